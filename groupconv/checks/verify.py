"""The main job: check every claim of the theory on fresh random inputs, and the symbolic proofs.

``groupconv verify`` runs each claim of ``groupconv.claims`` for each group it is stated for,
``trials`` times on inputs drawn from one seeded generator, then the sympy proofs of the group
laws, and reports one row per (claim, group): the equation, the largest error seen, pass/fail.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .claims import CLAIMS, TOLERANCE
from ..groups import SemidirectProduct, get_group, registered, symbolic

__all__ = ["Row", "run", "format_table", "default_groups"]


@dataclass
class Row:
    claim: str
    equation: str
    group: str
    trials: int
    max_error: float
    passed: bool
    kind: str  # "numeric" or "symbolic"

    def to_dict(self) -> dict:
        return asdict(self)


def default_groups() -> list[SemidirectProduct]:
    """Every registered lattice group, once each, in the order of registration."""
    found: list[SemidirectProduct] = []
    for group in registered().values():
        if group not in found:
            found.append(group)
    return found


def run(seed: int = 0, trials: int = 5, symbolic_proofs: bool = True,
        groups: Sequence[SemidirectProduct | str] | None = None) -> list[Row]:
    """Every claim on every group it is stated for, ``trials`` random trials each; ``groups``
    defaults to every registered lattice group (``groupconv.groups.register``)."""
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials must be a positive int, got {trials!r}")
    chosen = default_groups() if groups is None else [get_group(g) for g in groups]
    rng = np.random.default_rng(seed)
    rows = []
    for claim in CLAIMS:
        for group in chosen:
            if not claim.applies_to(group):
                continue
            errors = [claim.trial(group, rng) for _ in range(trials)]
            worst = max(errors) if claim.expect_equal else min(errors)
            rows.append(Row(claim.name, claim.equation, group.name, trials, float(worst),
                            all(claim.passes(e) for e in errors), "numeric"))
    if symbolic_proofs:
        for group in chosen:
            for proof in symbolic.all_proofs(group):
                rows.append(Row(f"symbolic_{proof.claim}", proof.equation, proof.group,
                                proof.cases, 0.0 if proof.holds else float("nan"),
                                proof.holds, "symbolic"))
    return rows


def format_table(rows: list[Row], seconds: float, seed: int) -> str:
    """The table printed by ``groupconv verify``, one row per claim and group."""
    head = f"{'claim':<34} {'equation':<52} {'group':<5} {'cases':>5} {'max error':>10}  result"
    lines = [head, "-" * len(head)]
    for r in rows:
        err = "exact" if r.kind == "symbolic" and r.passed else f"{r.max_error:.1e}"
        mark = "pass" if r.passed else "FAIL"
        equation = r.equation if len(r.equation) <= 52 else r.equation[:49] + "..."
        lines.append(f"{r.claim:<34} {equation:<52} {r.group:<5} {r.trials:>5} {err:>10}  {mark}")
    failed = sum(not r.passed for r in rows)
    lines.append("-" * len(head))
    lines.append(f"{len(rows)} claims checked, {len(rows) - failed} passed, {failed} failed "
                 f"(seed {seed}, tolerance {TOLERANCE:g} relative) in {seconds:.1f} s")
    return "\n".join(lines)


def timed_run(seed: int, trials: int) -> tuple[list[Row], float]:
    start = time.perf_counter()
    rows = run(seed=seed, trials=trials)
    return rows, time.perf_counter() - start
