"""The course labs, handed out from the package (docs/labs.md).

- ``grading``: a grader for every exercise, ``grade("2.1", my_lifting)``, run through the
  library's checkers (``check_group_law``, ``check_layer``, ``check_equivariance``) and the checks
  each exercise needs besides; a wrong answer raises ``WrongAnswer`` (what is wrong, and where to
  look), a right one returns ``Passed``.
- ``handout``: the four student notebooks, shipped as package data, and ``write(out)`` which
  copies them into a folder (``groupconv labs --out DIR``); with ``solutions=True`` the
  instructor's versions, which only a clone of the repository holds.

The labs sit at the top of the house: they call the checkers, the layers and the groups, and
nothing below imports them.
"""

from .grading import EXERCISES, Passed, WrongAnswer, grade
from .handout import NAMES, notebook_paths, write

__all__ = ["EXERCISES", "NAMES", "Passed", "WrongAnswer", "grade", "notebook_paths", "write"]
