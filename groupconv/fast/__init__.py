"""The fast path: the action on fixed-size arrays, filter banks behind one protocol,
interpolation operators, the correlation engine in d dimensions, array-library backends, and the
one correlation path (``correlate``) with its adjoint and weight gradient.

Modules, in the order data flows: ``backend`` (array libraries, constants on devices),
``interpolation`` (operators of the sampled groups), ``action`` (L_h on arrays, derived from the
exact L_g), ``validation`` (the one check of inputs), ``banks`` (the ``Bank`` protocol,
``LatticeBank``, ``OperatorBank``), ``native`` (the libraries' own convolutions), ``engine``
(one d-dimensional correlation as matrix products), ``correlate`` (the one path, and the public
correlations: ``groupconv.fast.correlate.correlate``, ``forward``, ``backward``).
"""

from .action import project, transform
from .banks import Bank, LatticeBank, OperatorBank, bank_for, bank_index_map, filter_bank
from .correlate import group_convolution, group_correlation, lifting_correlation
from .engine import Workspace

__all__ = [
    "transform", "project", "Bank", "LatticeBank", "OperatorBank", "bank_for", "filter_bank",
    "bank_index_map", "lifting_correlation", "group_correlation", "group_convolution",
    "Workspace",
]
