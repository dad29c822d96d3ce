"""The main job: check every claim of the theory on random inputs, and the symbolic proofs.

``groupconv verify`` runs each claim of ``groupconv.checks.claims`` for each registered group it
is stated for (lattice groups in every dimension, the sampled groups), ``trials`` times on
inputs drawn from one seeded generator (seed 0 unless ``--seed`` says otherwise, so that a run
can be repeated), then the sympy proofs of the group laws (which run
the library's own law on symbols), and reports one row per (claim, group): the equation, the
largest error seen, pass/fail. A row passes only if every one of its trials passes; a trial
that raises counts as a failure. ``groupconv verify --self-test`` (``checks.selftest``) shows
that the checks can fail.
"""

from __future__ import annotations

import textwrap
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..arguments import counted, did_you_mean
from ..groups import (
    SE2, AffineGroup, ScaleTranslation, SemidirectProduct, get_group, registered, symbolic,
)
from .claims import CLAIMS, MEASURED_BOUND, TOLERANCE

__all__ = ["Row", "run", "format_table", "default_groups", "timed_run"]


@dataclass
class Row:
    claim: str
    equation: str
    group: str
    trials: int        # random trials run (a symbolic proof runs once)
    worst: float       # the worst trial's: its error, or its difference where expect_equal is False
    passed: bool
    kind: str          # "numeric", "measured" or "symbolic"
    expect_equal: bool = True
    note: str = ""     # what went wrong, where a trial raised
    cases: int = 0     # cases checked: the trials, or the symbolic cases of a proof
    raised: bool = False   # a trial raised (it failed without a comparison)

    def __post_init__(self) -> None:
        self.cases = self.cases or self.trials

    def to_dict(self) -> dict:
        return asdict(self)


def default_groups() -> list[AffineGroup]:
    """Every registered group, once each, in the order of registration."""
    found: list[AffineGroup] = []
    for group in registered().values():
        if group not in found:
            found.append(group)
    return found


def _selected(name: str, group: AffineGroup, only: str | None) -> bool:
    if only is None or only.lower() == name.lower():
        return True
    try:
        return get_group(only) == group
    except (TypeError, ValueError):
        return False


#: Seconds between progress lines within one claim (its rows so far, after a group): the
#: slowest claims take a minute on two idle cores, several on a busy machine.
PROGRESS_EVERY = 10.0

#: The symbolic proofs by the names their rows carry ("symbolic_closure", ...), and the
#: sampled groups' row of their matrices' rounding, which runs with them.
_PROOFS = [f"symbolic_{check.__name__}" for check in (
    symbolic.closure, symbolic.associativity, symbolic.identity, symbolic.inverses,
    symbolic.inverse_of_product, symbolic.matrix_formula, symbolic.closed_form_law,
    symbolic.sampled_law, symbolic.point_law)] + ["matrix_rounding"]


def _names() -> list[str]:
    """The names of every claim's and every proof's rows."""
    return [claim.name for claim in CLAIMS] + _PROOFS


def _check_only(only: str | None) -> None:
    """``only`` names a claim, a proof or a group (any case), or a ValueError that lists them."""
    if only is None:
        return
    if not isinstance(only, str):
        raise TypeError(f"only must be the name of a claim or a group, got {only!r}")
    claims = _names()
    if only.lower() in {c.lower() for c in claims}:
        return
    try:
        get_group(only)
    except ValueError:
        names = claims + sorted(registered())
        raise ValueError(f"only names no claim and no group: {only!r}"
                         f"{did_you_mean(only, names)} (the claims: {', '.join(claims)}; the "
                         f"groups: {', '.join(sorted(registered()))})") from None


def run(seed: int = 0, trials: int = 5, symbolic_proofs: bool = True,
        groups: Sequence[AffineGroup | str] | None = None,
        only: str | None = None, progress: Callable[[str], None] | None = None) -> list[Row]:
    """Every claim on every group it is stated for, ``trials`` random trials each; ``groups``
    defaults to every registered group (``groupconv.groups.register``); ``only`` keeps the rows
    of one claim or one group (by any of its names, any case; a group get_group can build, such
    as "SE2(12)" or "Scale(1.5, n=4, m=2)", is checked alone); ``progress`` is called with a
    line after each claim and each group's proofs, and within a claim after a group where
    ``PROGRESS_EVERY`` seconds have passed since the last line."""
    start = last = time.perf_counter()

    def done(what: str, count: int, failed: int, of: int | None = None) -> None:
        nonlocal last
        if progress is not None and count:
            so_far = "" if of is None else f" of {of} so far"
            progress(f"{what}: {counted(count, 'row')}{so_far}"
                     f"{f', {failed} FAILED' if failed else ''} "
                     f"({time.perf_counter() - start:.1f} s)")
            last = time.perf_counter()

    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials must be a positive int, got {trials!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    _check_only(only)
    chosen = default_groups() if groups is None else [get_group(g) for g in groups]
    if only is not None and only.lower() not in {c.lower() for c in _names()}:
        named = get_group(only)               # (checked above) a group; another SE2(N) or
        if named not in chosen:               # Scale(base, n, m) than the registered ones:
            chosen = [named]                  # its rows alone
    rows = []
    for claim in CLAIMS:
        first = len(rows)
        groups_of = [g for g in chosen if claim.applies_to(g) and _selected(claim.name, g, only)]
        for group in groups_of:
            # draws of their own for each claim and group: the same in a run of one (--only)
            # as in the full run, and untouched by the claims before it
            rng = np.random.default_rng([seed, zlib.crc32(f"{claim.name}/{group.name}".encode())])
            errors, note, raised = [], "", False
            for _ in range(trials):
                try:
                    result = claim.trial(group, rng)
                    # (value, what was drawn): the draw is said where the value fails
                    value, drawn = result if isinstance(result, tuple) else (result, "")
                    errors.append(float(value))
                    if drawn and not claim.passes(errors[-1]) and not note:
                        note = f"worst on {drawn}"
                except Exception as error:  # noqa: BLE001 - a claim that cannot run fails
                    errors.append(float("nan"))
                    note, raised = f"{type(error).__name__}: {error}"[:200], True
            if not note and any(np.isinf(e) for e in errors) and claim.expect_equal:
                note = ("a trial showed nothing to compare (inf: an output of zeros, or a shape "
                        "that no longer takes the path it is meant for)")
            finite = [e for e in errors if np.isfinite(e)]
            worst = (max(finite) if claim.expect_equal else min(finite)) if finite else np.nan
            rows.append(Row(claim.name, claim.equation, group.name, trials, float(worst),
                            all(claim.passes(e) for e in errors),
                            "measured" if claim.level == "measured" else "numeric",
                            claim.expect_equal, note, raised=raised))
            if len(rows) - first < len(groups_of) and \
                    time.perf_counter() - last >= PROGRESS_EVERY:   # a slow claim goes on
                done(claim.name, len(rows) - first, sum(not r.passed for r in rows[first:]),
                     of=len(groups_of))
        done(claim.name, len(rows) - first, sum(not r.passed for r in rows[first:]))
    if symbolic_proofs:
        for group in chosen:
            if only is not None and not (_selected("", group, only)
                                         or only.lower() in {p.lower() for p in _PROOFS}):
                continue                                   # no proof row can be selected
            first = len(rows)
            proof_rows, skipped = _proof_rows(group, only)
            rows += proof_rows
            if skipped and progress is not None:
                progress(f"sympy proofs on {group.name}: not run ({skipped})")
            done(f"sympy proofs on {group.name}", len(rows) - first,
                 sum(not r.passed for r in rows[first:]))
    return rows


def _proof_rows(group: AffineGroup, only: str | None) -> tuple[list[Row], str]:
    """The proofs' rows of one group, and why none were run (or ""): a lattice group's laws
    (``symbolic.all_proofs``); a sampled group's law and point law, and the rounding of its
    matrices (SE(2)_N while N <= ``symbolic.MAX_SAMPLED_POINTS``)."""
    if isinstance(group, SemidirectProduct):
        proofs = symbolic.all_proofs(group)
    elif isinstance(group, (SE2, ScaleTranslation)):
        try:
            points = len(symbolic.sampled_points(group))
        except ValueError as error:
            return [], str(error)
        proofs = [symbolic.sampled_law(group), symbolic.point_law(group)]
    else:
        return [], ""                                      # no law to prove
    rows = [Row(f"symbolic_{proof.claim}", proof.equation, proof.group, 1,
                0.0 if proof.holds else float("nan"), proof.holds, "symbolic",
                cases=proof.cases)
            for proof in proofs if _selected(f"symbolic_{proof.claim}", group, only)]
    if not isinstance(group, SemidirectProduct) and _selected("matrix_rounding", group, only):
        worst = symbolic.matrix_rounding(group)
        rows.append(Row("matrix_rounding",
                        f"|A_p - exact A_p| <= {symbolic.ROUNDING_EPS} eps (rounded matrices)",
                        group.name, 1, worst * float(np.finfo(np.float64).eps),
                        worst <= symbolic.ROUNDING_EPS, "numeric", cases=points))
    return rows, ""


def _result(r: Row) -> tuple[str, str]:
    """(error column, result column) of a row."""
    if r.kind == "symbolic":
        return ("exact" if r.passed else "residual"), ("pass" if r.passed else "FAIL")
    err = f"{r.worst:.1e}"
    if not r.expect_equal:   # the claim is that the two sides differ: say what was shown
        return err, "pass: differs" if r.passed else "FAIL: equal"
    if r.kind == "measured":   # approximate by nature: a measured value under a stated bound
        return err, f"measured (< {MEASURED_BOUND:g})" if r.passed else "FAIL: above bound"
    return err, "pass" if r.passed else "FAIL"


#: The equation column of the table (the claims' equations fit it; longer proofs' wrap)
_EQUATION_WIDTH = 56


def format_table(rows: list[Row], seconds: float, seed: int) -> str:
    """The table printed by ``groupconv verify``, one row per claim and group."""
    width = max([5] + [len(r.group) for r in rows])
    wide = _EQUATION_WIDTH
    head = (f"{'claim':<34} {'equation':<{wide}} {'group':<{width}} {'cases':>5} "
            f"{'worst':>10}  result")
    lines = [head, "-" * len(head)]
    for r in rows:
        err, mark = _result(r)
        # an equation longer than its column goes on under it, whole (never cut)
        first, *rest = textwrap.wrap(r.equation, wide, break_on_hyphens=False) or [""]
        lines.append(f"{r.claim:<34} {first:<{wide}} {r.group:<{width}} {r.cases:>5} "
                     f"{err:>10}  {mark}")
        lines.extend(f"{'':<34} {part}" for part in rest)
        if r.note:
            lines.append(f"    {r.note}")
    failed = sum(not r.passed for r in rows)
    lines.append("-" * len(head))
    claims = counted(len({r.claim for r in rows}), "claim")
    groups = counted(len({r.group for r in rows}), "group")
    lines.append(f"{len(rows)} rows checked ({claims} on {groups}), {len(rows) - failed} "
                 f"passed, {failed} failed "
                 f"(seed {seed}; worst: the largest error of the cases, or the smallest "
                 f"difference where the claim is that two sides differ; "
                 f"tolerance {TOLERANCE:g} relative where exact, "
                 f"{_FINITE_DIFFERENCES:g} for central differences, {_FLOAT32:g} for "
                 f"float32; a claim that "
                 f"two sides differ passes when they differ by more than 1e-3; measured rows "
                 f"are approximate by nature and pass below {MEASURED_BOUND:g}) in "
                 f"{seconds:.1f} s")
    return "\n".join(lines)


#: The tolerance of the one claim computed by central differences (said in the table's footer)
_FINITE_DIFFERENCES = next(c.tolerance for c in CLAIMS if c.name == "finite_difference_gradient")
_FLOAT32 = next(c.tolerance for c in CLAIMS if c.name == "fast_float32")


def timed_run(seed: int, trials: int, only: str | None = None,
              progress: Callable[[str], None] | None = None) -> tuple[list[Row], float]:
    """``run(seed, trials, only, progress=progress)`` and the seconds it took."""
    start = time.perf_counter()
    rows = run(seed=seed, trials=trials, only=only, progress=progress)
    return rows, time.perf_counter() - start
