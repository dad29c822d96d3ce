"""Moved to ``groupconv.fast.correlate``; this module keeps ``groupconv.correlation`` working for
existing code."""

from .fast.correlate import *  # noqa: F401,F403
from .fast.correlate import __all__  # noqa: F401
