"""The fast path: the action on fixed-size arrays, filter banks behind one protocol,
interpolation operators, the correlation engine, array-library backends, and the one
correlation path (``correlate``) with its adjoint and weight gradient.

Modules, in the order data flows: ``backend`` (array libraries, dtypes), ``action`` (L_h on
arrays, derived from the exact L_g), ``interpolation`` (operators of the sampled groups),
``validation`` (the one check of inputs), ``banks`` (the ``Bank`` protocol, ``LatticeBank``,
``OperatorBank``), ``engine`` (one 2D correlation as matrix products), ``correlate`` (the one
path, and the public lattice correlations: ``groupconv.fast.correlate.correlate``,
``forward``, ``backward``).
"""

from .action import project, transform
from .banks import (
    PLANE, Bank, LatticeBank, OperatorBank, ScaleBank, SE2Bank, Space, bank_index_map,
    correlation_bank, filter_bank, lifting_bank,
)
from .correlate import group_convolution, group_correlation, lifting_correlation
from .engine import Workspace

__all__ = [
    "transform", "project", "Space", "PLANE", "Bank", "LatticeBank", "OperatorBank", "SE2Bank",
    "ScaleBank", "filter_bank", "bank_index_map", "lifting_bank", "correlation_bank",
    "lifting_correlation",
    "group_correlation", "group_convolution", "Workspace",
]
