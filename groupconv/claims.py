"""Moved to ``groupconv.checks.claims``; this module keeps ``groupconv.claims`` working for
existing code."""

from .checks.claims import *  # noqa: F401,F403
from .checks.claims import __all__  # noqa: F401
