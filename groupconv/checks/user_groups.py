"""A checker for anyone's group law: does a hand-written product and inverse agree with the
library's group, on every pair of point parts and on random translations?

    check_group_law(product, inverse, group)
        product(a, b) and inverse(a) take and return parameter tuples in the group's order
        (``group.param_names``: (r,) for C4, (m, r) for D4, (r, u, v) for p4, (m, r, u, v)
        for p4m) and are compared with a b and a^-1 computed by the group itself.

Used by the course labs (labs/01_groups), where students write p4's law from the formula
(r, t)(r', t') = (r + r' mod 4, t + R^r t').
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..arguments import integer
from ..groups import Group, PointGroup, SemidirectProduct, get_group

__all__ = ["GroupLawReport", "check_group_law"]


@dataclass
class GroupLawReport:
    """How many products and inverses were checked, and the first few that disagreed."""

    group: str
    products: int = 0
    inverses: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def __repr__(self) -> str:
        head = (f"group law of {self.group}: {self.products} products and {self.inverses} "
                f"inverses checked, {len(self.mismatches)} wrong")
        return "\n".join([head] + [f"  {m}" for m in self.mismatches[:8]])


def _as_tuple(value: Any, n: int, what: str) -> tuple[int, ...]:
    """The integers of a returned tuple; floats are accepted only when they are whole numbers
    (to 1e-9: e.g. from cos and sin), anything else is a TypeError that says so."""
    try:
        values = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must return a tuple of {n} integers, got {value!r}") from None
    if len(values) != n:
        raise ValueError(f"{what} must return a tuple of {n} integers, got {value!r}")
    if not np.all(np.isfinite(values)) or np.abs(values - np.round(values)).max(initial=0.0) > 1e-9:
        raise TypeError(f"{what} must return integers (group parameters are exact), got "
                        f"{value!r} (values computed with cos and sin need rounding)")
    return tuple(int(v) for v in np.round(values))


def check_group_law(product: Callable[[tuple, tuple], Any], inverse: Callable[[tuple], Any],
                    group: Group | str, *, trials: int = 200, seed: int = 0) -> GroupLawReport:
    """Compare ``product(a, b)`` with a b and ``inverse(a)`` with a^-1.

    For a point group every pair of elements is checked; for a lattice group Z^2 x| H every
    pair of point parts, with translations drawn from [-9, 9]^2 (``trials`` pairs in all,
    at least every pair of point parts once). Returns a report whose ``ok`` is True when all
    agree and whose ``repr`` lists the first disagreements with the expected values.
    """
    if not callable(product) or not callable(inverse):
        raise TypeError("product and inverse must be callables taking parameter tuples")
    trials, seed = integer(trials, "trials", 1, 10**6), integer(seed, "seed", 0)
    if isinstance(group, str):
        group = get_group(group)
    if not isinstance(group, (PointGroup, SemidirectProduct)):
        raise TypeError(f"group must be a point group or a lattice group, got {group!r}")
    n = group.n_params
    if isinstance(group, PointGroup):
        elements = group.elements().params
        pairs = [(a, b) for a in elements for b in elements]
    else:
        rng = np.random.default_rng(seed)
        points = group.stabiliser.elements().params
        count = max(trials, len(points) ** 2)
        pick = np.arange(count) % (len(points) ** 2)
        t = rng.integers(-9, 10, size=(count, 2, 2))
        pairs = [(np.concatenate([points[k // len(points)], t[i, 0]]),
                  np.concatenate([points[k % len(points)], t[i, 1]]))
                 for i, k in enumerate(pick)]
    report = GroupLawReport(group.name)
    names = ", ".join(group.param_names)
    for a, b in pairs:
        a_el, b_el = group.element(**dict(zip(group.param_names, a.tolist()))), \
            group.element(**dict(zip(group.param_names, b.tolist())))
        expected = (a_el * b_el).params
        got = _as_tuple(product(tuple(a.tolist()), tuple(b.tolist())), n, "product")
        report.products += 1
        if got != expected:
            report.mismatches.append(f"product({tuple(a.tolist())}, {tuple(b.tolist())}) = "
                                     f"{got}, expected {expected}  ({names})")
    for a in {tuple(a.tolist()) for a, _ in pairs}:
        expected = group.element(**dict(zip(group.param_names, a))).inverse().params
        got = _as_tuple(inverse(a), n, "inverse")
        report.inverses += 1
        if got != expected:
            report.mismatches.append(f"inverse({a}) = {got}, expected {expected}  ({names})")
    return report
