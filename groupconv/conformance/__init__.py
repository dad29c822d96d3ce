"""Conformance vectors for other libraries' tests: inputs, weights and groupconv's outputs of
the lifting correlation, group correlation and group convolution, written to files (``write``,
``groupconv conformance --out DIR``) or loaded from the small set shipped inside the package
(``load``). Schema: docs/conformance.md.

    DIR/manifest.json   {"library", "version", "conventions", "seed", "cases": [...]}, each case
                        {"file", "group", "kind", "k", "padding", "dtype", "x_shape", "y_shape"}
    DIR/<case>.npz      x, w, y in groupconv's layout (docs/conventions.md); bank, the expanded
                        filter bank (C_out, S, C_in, S_in, k, k); h, a stabiliser index, with
                        x_h = L_h x and y_h, the output for x_h; loadable with allow_pickle=False
"""

from __future__ import annotations

import json
import pathlib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..fast.action import transform
from ..fast.banks import LatticeBank, filter_bank
from ..fast.correlate import group_convolution, group_correlation, lifting_correlation
from ..groups import WALLPAPER, Kind, SemidirectProduct, domain_mask, get_group

__all__ = ["Case", "cases", "write", "load", "SHIPPED", "CONVENTIONS_TEXT"]

SHIPPED = pathlib.Path(__file__).parent / "data"
_OPS = {"lifting": lifting_correlation, "correlation": group_correlation,
        "convolution": group_convolution}
CONVENTIONS_TEXT = (
    "groupconv = GrouPy: pixel (u, v) = (row, column); R(u, v) = (-v, u) (np.rot90(x, 1)); "
    "M negates u (up-down flip); p4 element index r, p4m index 4m + r for M^m R^r; "
    "x (B, C, [S,] H, W), y (B, C_out, S, H', W'), entry [c, s, i, j] = f_c(T(i, j) h_s) at the "
    "array level; correlation y = sum f(h) psi(g^-1 h); filters centred, index a <-> a - k//2; "
    "padding p on each side, H' = H + 2p - k + 1; hexagonal lattice (p3, p3m1, p31m, p6, p6m): "
    "axial coordinates (u, v) = u e1 + v e2, e2 = e1 turned by 60 degrees, R6(u, v) = (-v, u + v), "
    "arrays square of odd side, only the hexagon max(|u|, |v|, |u + v|) <= H // 2 about the "
    "centre holds the function (other cells zero in x, w, y), k odd")


@dataclass(frozen=True)
class Case:
    """One conformance case: its metadata and its arrays (x, w, y, bank, h, x_h, y_h)."""

    id: str
    group: str
    kind: str
    k: int
    padding: int
    arrays: dict[str, np.ndarray]

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]


def _bank(w: np.ndarray, group: SemidirectProduct, kind: str) -> np.ndarray:
    """The expanded bank conv2d takes for this layer: the correlation bank, or for the true
    G-convolution the bank of the inverted filter (``LatticeBank.convolution``)."""
    if kind == "convolution":
        return LatticeBank(group, Kind.CONVOLUTION).expand_groupy(w)
    return filter_bank(w, group)


def cases(groups: Sequence[SemidirectProduct | str] = tuple(WALLPAPER),
          ks: Iterable[int] = range(1, 6), seed: int = 0) -> Iterable[Case]:
    """Every (group, kind, k, padding 0..k-1) case, on float64 inputs: non-square on the square
    lattice; on the hexagonal lattice square of odd side, k odd, zero outside the hexagons."""
    ks = tuple(ks)
    for name in groups:
        group = get_group(name)
        s = group.samples
        hexagonal = group.lattice == "hexagonal"
        for kind, op in _OPS.items():
            on_group = kind != "lifting"
            axis = (s,) if on_group else ()
            for k in (k for k in ks if k % 2 or not hexagonal):
                size = (k + 2, k + 2) if hexagonal else (k + 2, k + 3)
                for p in range(k):
                    case = f"{group.name.lower()}-{kind}-k{k}-p{p}"
                    # a generator per case: a case does not depend on which others are written
                    rng = np.random.default_rng([seed, zlib.crc32(case.encode())])
                    x = rng.standard_normal((1, 2) + axis + size)
                    w = rng.standard_normal((3, 2) + axis + (k, k))
                    if hexagonal:
                        x, w = x * domain_mask(group, size), w * domain_mask(group, (k, k))
                    h = int(rng.integers(s))
                    element = group.from_parts(h, (0, 0))[()]
                    x_h = transform(x, element, Kind.parse(kind).input_space(group))
                    arrays = {"x": x, "w": w, "y": op(x, w, group, mode=p),
                              "bank": _bank(w, group, kind),
                              "h": np.array(h), "x_h": x_h, "y_h": op(x_h, w, group, mode=p)}
                    yield Case(case, group.name, kind, k, p, arrays)


def write(out: str | pathlib.Path, groups: Sequence[str] = tuple(WALLPAPER),
          seed: int = 0, ks: Iterable[int] = range(1, 6)) -> dict[str, Any]:
    """Write every case as DIR/<id>.npz and DIR/manifest.json; returns the manifest."""
    from .. import __version__

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"the output folder {str(out)!r} is a file; name a folder")
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for case in cases(groups, ks, seed):
        file = f"{case.id}.npz"
        np.savez_compressed(out / file, **case.arrays)
        entries.append({"file": file, "group": case.group, "kind": case.kind, "k": case.k,
                        "padding": case.padding, "dtype": "float64",
                        "x_shape": list(case.arrays["x"].shape),
                        "y_shape": list(case.arrays["y"].shape)})
    manifest = {"library": "groupconv", "version": __version__, "seed": seed,
                "conventions": CONVENTIONS_TEXT, "cases": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def load(path: str | pathlib.Path | None = None) -> list[Case]:
    """The cases of a conformance folder (default: the set shipped with groupconv), ready for
    ``pytest.mark.parametrize("case", load(), ids=lambda c: c.id)``."""
    folder = SHIPPED if path is None else pathlib.Path(path)
    manifest = json.loads((folder / "manifest.json").read_text())
    found = []
    for entry in manifest["cases"]:
        with np.load(folder / entry["file"], allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        found.append(Case(entry["file"].removesuffix(".npz"), entry["group"], entry["kind"],
                          entry["k"], entry["padding"], arrays))
    return found
