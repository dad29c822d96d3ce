"""Moved to ``groupconv.fast.action``; this module keeps ``groupconv.arrays`` working for
existing code."""

from .fast.action import *  # noqa: F401,F403
from .fast.action import __all__  # noqa: F401
