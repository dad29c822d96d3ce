"""The main job: check every claim of the theory on fresh random inputs, and the symbolic proofs.

``groupconv verify`` runs each claim of ``groupconv.claims`` for each group it is stated for,
``trials`` times on inputs drawn from one seeded generator, then the sympy proofs of the group
laws, and reports one row per (claim, group): the equation, the largest error seen, pass/fail.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from .claims import CLAIMS, TOLERANCE
from ..groups import get_group, symbolic

__all__ = ["Row", "run", "format_table"]


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


def run(seed: int = 0, trials: int = 5, symbolic_proofs: bool = True) -> list[Row]:
    """Every claim on every group it is stated for, ``trials`` random trials each."""
    if trials < 1:
        raise ValueError(f"trials must be at least 1, got {trials}")
    rng = np.random.default_rng(seed)
    rows = []
    for claim in CLAIMS:
        for name in claim.groups:
            group = get_group(name)
            errors = [claim.trial(group, rng) for _ in range(trials)]
            worst = max(errors) if claim.expect_equal else min(errors)
            rows.append(Row(claim.name, claim.equation, group.name, trials, float(worst),
                            all(claim.passes(e) for e in errors), "numeric"))
    if symbolic_proofs:
        for name in ("Z2", "P4", "P4M"):
            for proof in symbolic.all_proofs(get_group(name)):
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
