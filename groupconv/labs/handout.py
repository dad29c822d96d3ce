"""The labs' notebooks, handed out: the four student notebooks ship with the package (data files
of ``groupconv.labs``, written by ``labs/build.py``); ``write`` copies them into a folder, for
``groupconv labs --out DIR``.

The solution notebooks are not shipped: every student installs the package, so a copy inside it
would be one command away. ``write(..., solutions=True)`` reads them from the repository's
``labs/`` folder (a clone, installed with ``pip install -e .`` or run from its root).
"""

from __future__ import annotations

import json
import os
import pathlib

__all__ = ["NAMES", "notebook_paths", "write"]

#: The labs, in order (file stems).
NAMES = ("01_groups", "02_functions_on_groups", "03_gcnn", "04_lecture_groups")

_HERE = pathlib.Path(__file__).resolve().parent
#: The line of a student notebook's first cell that names the build of groupconv to install on
#: a hosted notebook: none as written (groupconv is not on PyPI: a name there could be anyone's)
_INSTALL_LINE = "PACKAGE = None"


def notebook_paths(solutions: bool = False) -> list[pathlib.Path]:
    """The four notebooks' files: the students' (shipped with the package) or the solutions
    (from the repository's ``labs/`` folder; a FileNotFoundError that says where they are
    looked for when there is none).

    Examples
    --------
    >>> from groupconv.labs import notebook_paths
    >>> [p.name for p in notebook_paths()]     # doctest: +NORMALIZE_WHITESPACE
    ['01_groups.ipynb', '02_functions_on_groups.ipynb', '03_gcnn.ipynb',
     '04_lecture_groups.ipynb']
    """
    if not solutions:
        return [_HERE / "notebooks" / f"{name}.ipynb" for name in NAMES]
    places = [_HERE.parents[1] / "labs", pathlib.Path.cwd() / "labs"]
    for place in places:
        paths = [place / f"{name}_solution.ipynb" for name in NAMES]
        if all(p.is_file() for p in paths):
            return paths
    raise FileNotFoundError(
        "the solution notebooks are not shipped with the package (students install it too); "
        "they are in labs/ of the repository: run this from a clone (pip install -e . there, "
        "or from its root folder). Looked in: " + ", ".join(str(p) for p in places))


def write(out: str | os.PathLike, solutions: bool = False, *, install: str | None = None,
          overwrite: bool = False) -> list[pathlib.Path]:
    """Copy the four labs' notebooks into the folder ``out`` (made if missing).

    Parameters
    ----------
    out : str or path
        The folder.
    solutions : bool
        The instructor's solution notebooks instead of the students' (from a clone of the
        repository only: see ``notebook_paths``).
    install : str, optional
        What the notebooks' first cell installs on a hosted notebook (Colab, a JupyterHub)
        where groupconv is missing: a pip requirement such as a wheel's URL or
        ``"groupconv[labs] @ git+https://..."``. Default: none; such a notebook then says that
        groupconv is missing (it is not on PyPI) and installs only the other packages.
    overwrite : bool
        Replace notebooks already in ``out`` (default: refuse, so that a student's work is
        never overwritten).

    Returns
    -------
    list of pathlib.Path
        The notebooks written, in order.

    Examples
    --------
    >>> import tempfile
    >>> from groupconv import labs
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.name for p in labs.write(folder)][0]
    '01_groups.ipynb'
    """
    if not isinstance(solutions, bool):
        raise TypeError(f"solutions must be True or False, got {solutions!r}")
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False, got {overwrite!r}")
    if install is not None and (not isinstance(install, str) or not install.strip()
                                or any(c in install for c in '"\\\n\r')):
        raise ValueError(f"install must be a pip requirement on one line, without double "
                         f"quotes or backslashes, got {install!r}")
    try:
        folder = pathlib.Path(out)
    except TypeError:
        raise TypeError(f"out must be a folder path, got {type(out).__name__}") from None
    if not os.fspath(out):
        raise ValueError("out must name a folder, got ''")
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"out must be a folder, but {folder} is a file")
    sources = notebook_paths(solutions)
    targets = [folder / (p.name.replace("_solution", "") if solutions else p.name)
               for p in sources]
    taken = [t.name for t in targets if t.exists()]
    if taken and not overwrite:
        raise FileExistsError(f"{folder} already holds {', '.join(taken)}: not overwritten "
                              f"(a student's work may be in them); choose another folder or "
                              f"pass overwrite=True (--force)")
    folder.mkdir(parents=True, exist_ok=True)
    for source, target in zip(sources, targets):
        text = source.read_text(encoding="utf-8")
        if install is not None:
            text = _set_install(text, install)
        target.write_text(text, encoding="utf-8")
    return targets


def _set_install(text: str, install: str) -> str:
    """The notebook's text with its setup cell installing ``install``."""
    nb = json.loads(text)
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and _INSTALL_LINE in source:
            cell["source"] = source.replace(_INSTALL_LINE, f'PACKAGE = "{install}"')
            return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    raise ValueError("this notebook has no setup cell to set the install line of")
