"""A checker for anyone's group law: does a hand-written product and inverse agree with the
library's group, on every pair of point parts and on random translations, and if not, which
usual mistake explains the difference?

    check_group_law(product, inverse, group)
        product(a, b) and inverse(a) take and return parameter tuples in the group's order
        (``group.param_names``: (r,) for C4, (m, r) for D4, (r, u, v) for p4, (m, r, u, v)
        for p4m, () for the trivial group C1) and are compared with a b and a^-1 computed by
        the group itself. Products and inverses are reported apart, and the mistakes named:
        the product in the wrong order (b a), the translation not turned (t1 + t2), turned by
        the wrong element or the wrong way, the point parts in the wrong order; the inverse's
        translation not turned (-t), turned by h instead of h^-1, not negated, or its point
        part not inverted.

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
from ..groups.core import exact_inverse

__all__ = ["GroupLawReport", "check_group_law"]

#: How many disagreements of each kind (products, inverses) a report shows.
SHOWN = 4
#: How far from the origin the translations of the far pairs reach (a law that wraps at 2^7
#: or 2^15, or searches a window, is right near the origin).
FAR = 10**6


@dataclass
class GroupLawReport:
    """How many products and inverses were checked, the disagreements of each, and the named
    mistakes that explain them (``diagnoses``)."""

    group: str
    products: int = 0
    inverses: int = 0
    product_mismatches: list[str] = field(default_factory=list)
    inverse_mismatches: list[str] = field(default_factory=list)
    diagnoses: list[str] = field(default_factory=list)

    @property
    def mismatches(self) -> list[str]:
        """Every disagreement, products first."""
        return self.product_mismatches + self.inverse_mismatches

    @property
    def ok(self) -> bool:
        """True when every product and every inverse agrees."""
        return not self.mismatches

    @property
    def passed(self) -> bool:
        """The same as ``ok``."""
        return self.ok

    def __repr__(self) -> str:
        lines = [f"group law of {self.group}: {self.products} products "
                 f"({len(self.product_mismatches)} wrong) and {self.inverses} inverses "
                 f"({len(self.inverse_mismatches)} wrong) checked"]
        lines += [f"  {d}" for d in self.diagnoses]
        for what, found in (("product", self.product_mismatches),
                            ("inverse", self.inverse_mismatches)):
            lines += [f"  {m}" for m in found[:SHOWN]]
            if len(found) > SHOWN:
                lines.append(f"  ... and {len(found) - SHOWN} more wrong {what}s")
        return "\n".join(lines)


def _as_tuple(value: Any, n: int, what: str) -> tuple[int, ...]:
    """The integers of a returned tuple; floats are accepted only when they are whole numbers
    (to 1e-9: e.g. from cos and sin), anything else is a TypeError that says so."""
    raw = np.asarray(value) if isinstance(value, (tuple, list, np.ndarray, np.generic, int,
                                                  float)) else None
    if raw is None or raw.dtype.kind not in "iuf":     # strings, bools, None, objects
        raise TypeError(f"{what} must return a tuple of {n} integers, got {value!r}")
    values = raw.astype(np.float64).reshape(-1)
    if len(values) != n:
        hint = " (the trivial group has no parameters: ())" if n == 0 else ""
        raise ValueError(f"{what} must return a tuple of {n} integers{hint}, got {value!r}")
    if not np.all(np.isfinite(values)) or \
            np.abs(values - np.round(values)).max(initial=0.0) > 1e-9:
        raise TypeError(f"{what} must return integers (group parameters are exact), got "
                        f"{value!r} (values computed with cos and sin need rounding)")
    return tuple(int(v) for v in np.round(values))


def _parts(group: Group, params: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The point part's matrix and the translation of an element given by its parameters."""
    matrix = group.element(**dict(zip(group.param_names, params))).matrix()
    d = matrix.shape[0] - 1
    return matrix[:d, :d], matrix[:d, d]


def _element(group: Group, point: np.ndarray, t: np.ndarray) -> tuple[int, ...] | None:
    """The parameters of the element with this point matrix and translation (None if the
    matrix is not in the group)."""
    stab = group.stabiliser if isinstance(group, SemidirectProduct) else group
    try:
        index = stab.index_of_matrix(point)
    except ValueError:
        return None
    params = tuple(int(v) for v in stab.params_of(index))
    return params + tuple(int(v) for v in t) if isinstance(group, SemidirectProduct) else params


#: Wrong products a b: (sentence, (h1, t1, h2, t2) -> (point, translation)).
_WRONG_PRODUCTS = (
    ("the product composes in the wrong order: it returns b a for a b",
     lambda h1, t1, h2, t2: (h2 @ h1, t2 + h2 @ t1)),
    ("the second translation is not turned: t1 + t2 where t1 + h1 t2 is meant",
     lambda h1, t1, h2, t2: (h1 @ h2, t1 + t2)),
    ("the second translation is turned by the second point part: t1 + h2 t2 where t1 + h1 t2 "
     "is meant", lambda h1, t1, h2, t2: (h1 @ h2, t1 + h2 @ t2)),
    ("the second translation is turned the wrong way: t1 + h1^-1 t2 where t1 + h1 t2 is meant",
     lambda h1, t1, h2, t2: (h1 @ h2, t1 + exact_inverse(h1) @ t2)),
    ("the point parts are multiplied in the wrong order: h2 h1 where h1 h2 is meant",
     lambda h1, t1, h2, t2: (h2 @ h1, t1 + h1 @ t2)),
)
#: Wrong inverses a^-1 of a = (h, t).
_WRONG_INVERSES = (
    ("the inverse's translation is not turned: (h^-1, -t) where (h^-1, -h^-1 t) is meant",
     lambda h, t: (exact_inverse(h), -t)),
    ("the inverse's translation is turned by h instead of h^-1: (h^-1, -h t) where "
     "(h^-1, -h^-1 t) is meant", lambda h, t: (exact_inverse(h), -(h @ t))),
    ("the inverse's translation is not negated: (h^-1, h^-1 t) where (h^-1, -h^-1 t) is meant",
     lambda h, t: (exact_inverse(h), exact_inverse(h) @ t)),
    ("the inverse's point part is not inverted: (h, ...) where (h^-1, -h^-1 t) is meant",
     lambda h, t: (h, -(exact_inverse(h) @ t))),
)


def _explain(wrong: list[tuple], candidates: tuple, group: Group) -> list[str]:
    """The sentences of the candidates that reproduce every wrong answer."""
    return [sentence for sentence, formula in candidates
            if all(_element(group, *formula(*args)) == got for args, got in wrong)]


def check_group_law(product: Callable[[tuple, tuple], Any], inverse: Callable[[tuple], Any],
                    group: Group | str, *, trials: int = 200, seed: int = 0) -> GroupLawReport:
    """Compare ``product(a, b)`` with a b and ``inverse(a)`` with a^-1, and name the mistake.

    Parameters
    ----------
    product : callable
        (a, b) -> a b on parameter tuples in the group's order (``group.param_names``).
    inverse : callable
        a -> a^-1 on parameter tuples.
    group : Group or str
        A point group (every pair of elements is checked) or a lattice group Z^d x| H (every
        pair of point parts, with translations drawn from [-9, 9]^d: ``trials`` pairs in all,
        at least every pair of point parts once; every pair of point parts again with
        translations from [-10^6, 10^6]^d (``FAR``), and again with no translation, the
        inverse of each point part among them).
    trials : int
        The number of pairs with drawn translations for a lattice group.
    seed : int
        The translations' random draws.

    Returns
    -------
    GroupLawReport
        ``ok`` (and ``passed``) True when all agree; ``product_mismatches`` and
        ``inverse_mismatches`` list the disagreements with the expected values, ``diagnoses``
        the mistakes that explain them; its ``repr`` shows both kinds. An exception raised
        by ``product`` or ``inverse`` is a disagreement too, listed with the arguments of the
        call that raised it.

    Examples
    --------
    >>> import groupconv
    >>> def product(a, b):                       # C4: r + r' mod 4
    ...     return ((a[0] + b[0]) % 4,)
    >>> groupconv.check_group_law(product, lambda a: ((-a[0]) % 4,), groupconv.C4).ok
    True
    >>> groupconv.check_group_law(lambda a, b: (), lambda a: (), groupconv.C1).ok
    True
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
        # and every pair of point parts once more far from the origin: a law that wraps or
        # saturates (8- or 16-bit integers, a search over a window of translations) is right
        # near it
        far = len(points) ** 2
        pick = np.concatenate([pick, np.arange(far)])
        t = np.concatenate([rng.integers(-9, 10, size=(count, 2, group.dim)),
                            rng.integers(-FAR, FAR + 1, size=(far, 2, group.dim))])
        # and every pair of point parts with no translation (a pure rotation is the case a law
        # written for "a translation and a turn" most often gets wrong: h^-1 = h on r = 2 only)
        pairs = [(np.concatenate([points[k // len(points)], t[i, 0]]),
                  np.concatenate([points[k % len(points)], t[i, 1]]))
                 for i, k in enumerate(pick)]
        zero = np.zeros(group.dim, dtype=points.dtype)
        pairs += [(np.concatenate([p, zero]), np.concatenate([q, zero]))
                  for p in points for q in points]
    report = GroupLawReport(group.name)
    names = ", ".join(group.param_names) or "no parameters"
    wrong_products, wrong_inverses = [], []
    raised = {"product": 0, "inverse": 0}
    for a, b in pairs:
        a, b = tuple(a.tolist()), tuple(b.tolist())
        expected = (group.element(**dict(zip(group.param_names, a))) *
                    group.element(**dict(zip(group.param_names, b)))).params
        report.products += 1
        try:
            answer = product(a, b)
        except Exception as error:              # the user's code: reported with its arguments
            raised["product"] += 1
            report.product_mismatches.append(f"product({a}, {b}) raised "
                                             f"{type(error).__name__}: {error}")
            continue
        got = _as_tuple(answer, n, "product")
        if got != expected:
            report.product_mismatches.append(f"product({a}, {b}) = {got}, expected {expected}"
                                             f"  ({names})")
            wrong_products.append((_parts(group, a) + _parts(group, b), got))
    for a in sorted({tuple(a.tolist()) for a, _ in pairs}):
        expected = group.element(**dict(zip(group.param_names, a))).inverse().params
        report.inverses += 1
        try:
            answer = inverse(a)
        except Exception as error:
            raised["inverse"] += 1
            report.inverse_mismatches.append(f"inverse({a}) raised "
                                             f"{type(error).__name__}: {error}")
            continue
        got = _as_tuple(answer, n, "inverse")
        if got != expected:
            report.inverse_mismatches.append(f"inverse({a}) = {got}, expected {expected}"
                                             f"  ({names})")
            wrong_inverses.append((_parts(group, a), got))
    for what, wrong, candidates, total in (
            ("product", wrong_products, _WRONG_PRODUCTS, report.products),
            ("inverse", wrong_inverses, _WRONG_INVERSES, report.inverses)):
        if raised[what]:
            report.diagnoses.append(f"the {what} raised an exception on {raised[what]} of "
                                    f"{total} calls (shown below with their arguments)")
        if wrong:
            found = _explain(wrong, candidates, group)
            report.diagnoses += found or [f"the {what} agrees with none of the usual mistakes: "
                                          f"compare the values below with the formula"]
    return report
