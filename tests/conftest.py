"""Shared test settings: hypothesis profiles (no deadline: literal sums are slow on purpose), and
the course labs' notebooks, executed once per session."""

import functools
import importlib.util
import os
import pathlib

import pytest
from hypothesis import HealthCheck, settings

# the default draws the same examples on every run (a suite that passes passes again on any
# machine); "thorough" explores afresh: GROUPCONV_HYPOTHESIS_PROFILE=thorough pytest
settings.register_profile(
    "default", deadline=None, max_examples=25, print_blob=True, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=300,
                          derandomize=False)
settings.load_profile(os.environ.get("GROUPCONV_HYPOTHESIS_PROFILE", "default"))


# --------------------------------------------------------------- the course labs
LABS = pathlib.Path(__file__).resolve().parent.parent / "labs"


def lab_builder():
    """labs/build.py as a module (the labs are not a package)."""
    spec = importlib.util.spec_from_file_location("labs_build", LABS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def executed_labs():
    """Run each solution notebook once per test session, in a fresh kernel, on first request:
    stem -> (executed notebook, seconds). The lab tests and the docs build share the runs. The
    timeout per cell is generous (a loaded machine is many times slower than a quiet one); no
    test asserts a run time (benchmarks/labs_time.py prints them)."""
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    build = lab_builder()

    @functools.cache
    def run(stem: str):
        nb = nbformat.read(LABS / f"{stem}_solution.ipynb", as_version=4)
        return nb, build.execute(nb, timeout=900)

    return run


@pytest.fixture
def jax64():
    """JAX with 64-bit floats on for one test (its configuration restored after)."""
    jax = pytest.importorskip("jax")
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", previous)
