"""Moved to ``groupconv.checks.equivariance``; this module keeps
``groupconv.equivariance`` working for existing code."""

from .checks.equivariance import *  # noqa: F401,F403
from .checks.equivariance import __all__  # noqa: F401
