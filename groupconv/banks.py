"""Moved to ``groupconv.fast.banks``; this module keeps ``groupconv.banks`` working for
existing code."""

from .fast.banks import *  # noqa: F401,F403
from .fast.banks import __all__  # noqa: F401
