"""Moved to ``groupconv.checks.verify``; this module keeps ``groupconv.verify`` working for
existing code."""

from .checks.verify import *  # noqa: F401,F403
from .checks.verify import __all__  # noqa: F401
