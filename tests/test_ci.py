"""CI (.ci/run) runs the README's two Quickstart lines, then installs torch into the same
environment and runs the tests marked for it: every test that needs torch carries the mark."""

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _needs_torch(function: ast.FunctionDef) -> bool:
    """The test imports torch, or asks pytest for it."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip" \
                and node.args and getattr(node.args[0], "value", None) == "torch":
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(n == "torch" or n.startswith("torch.") for n in names):
                return True
    return False


def _marked_torch(function: ast.FunctionDef) -> bool:
    return any(ast.unparse(d) == "pytest.mark.torch" for d in function.decorator_list)


def test_every_test_that_needs_torch_is_marked_for_ci():
    needing, unmarked = [], []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") \
                    and _needs_torch(node):
                needing.append(node.name)
                if not _marked_torch(node):
                    unmarked.append(f"{path.name}::{node.name}")
    assert len(needing) >= 5, needing      # the torch backend, its autograd, training
    assert not unmarked, f"tests that need torch without @pytest.mark.torch: {unmarked}"


def test_ci_runs_the_readme_lines_then_the_torch_tests():
    script = (ROOT / ".ci" / "run").read_text()
    readme_loop = script.index('for line in "${lines[@]}"')
    torch_line = re.search(r"pip install \"torch==[\d.]+\" && pytest -m torch", script)
    assert torch_line and torch_line.start() > readme_loop
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^\s*"torch: ', pyproject, flags=re.M), "the torch marker is registered"
