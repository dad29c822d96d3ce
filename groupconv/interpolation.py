"""Moved to ``groupconv.fast.interpolation``; this module keeps
``groupconv.interpolation`` working for existing code."""

from .fast.interpolation import *  # noqa: F401,F403
from .fast.interpolation import __all__  # noqa: F401
