"""Moved to ``groupconv.fast.engine``; this module keeps ``groupconv.engine`` working for
existing code."""

from .fast.engine import *  # noqa: F401,F403
from .fast.engine import __all__  # noqa: F401
