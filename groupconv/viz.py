"""Figures of the paper and the lecture, as matplotlib Figures (``groupconv figures`` saves them).

    p4_feature_map           Cohen & Welling's Figure 1: a p4 feature map, the input turning
    p4m_feature_map          the same for p4m, the mirrored orientations on an outer ring
    p4_filter, p4m_filter    a filter on the group and its transformations (the filter bank)
    se2_pipeline             the lecture's pipeline: lifting with N = 8, group layer, projection
    boundary_effect          why cropped correlation is not exactly equivariant, and exact is
    equivariance_vs_angle    measured error of SE(2) networks against the rotation angle
    scale_translation        responses to circles of several radii at each position and scale
    cayley_p4m               the Cayley table of D4
    p6_feature_map           Figure 1 on the hexagonal lattice: six orientation patches of a
                             p6 feature map, drawn as hexagonal cells, input turned by 0 and 60°
    p6_filter                a p6 filter and its filter bank, hexagonal kernels
    wallpaper_gallery        the 13 symmorphic wallpaper groups: each point group acting on an
                             asymmetric motif, tiled over the lattice
    cubic_filter             a 3D filter turned by the cube's 24 rotations (the P432 bank)
    cubic_feature_map        a P432 feature map: turning the input volume permutes the 24
                             orientation channels

The figures of feature maps take an optional grey ``image`` (a square 2D array of finite
values, at least 8 x 8; default: the grace_hopper photograph shipped with matplotlib, at
``size``); the filters, tables and the cube's figures draw their own inputs. Every function
returns a ``matplotlib.figure.Figure`` (the animation: the GIF's path); nothing is drawn
through pyplot's global state.
"""

from __future__ import annotations

import os
import pathlib
import time
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionPatch

from .arguments import counted, did_you_mean, integer, number, output_file
from .checks import equivariance as eq
from .fast.action import project, transform
from .fast.banks import filter_bank
from .fast.correlate import group_correlation, lifting_correlation
from .fast.interpolation import kernel_operators
from .fast.validation import real_numpy
from .feature_maps import FeatureMap, L, restrict
from .groups import (
    D4, P4, P4M, P6, SE2, WALLPAPER, Z2, ScaleTranslation, Space, describe, get_group, hexagon_mask,
)
from .hexagonal import BASIS, cell_centres, from_image
from .images import grace_hopper
from .literal import planar_correlation

__all__ = ["p4_feature_map", "p4_feature_map_animation", "p4m_feature_map", "p4_filter",
           "p4m_filter", "se2_pipeline", "boundary_effect", "equivariance_vs_angle",
           "scale_translation", "cayley_p4m", "p6_feature_map", "p6_filter",
           "wallpaper_gallery", "cubic_filter", "cubic_feature_map", "FIGURES", "save_all"]

#: A dark-to-light edge filter (Sobel): responds where the image gets brighter downwards.
EDGE = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
#: The same with its light side leaning right: no mirror maps it to a turn of itself (the Sobel
#: filter is its own left-right mirror image, so its mirrored p4m planes repeat turned ones)
EDGE_CHIRAL = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [0.0, 2.0, 2.0]])
_POINT_LABELS = ["e", "r", "r²", "r³", "m", "mr", "mr²", "mr³"]   # index 4m + r = M^m R^r
_ROTATION_LABELS = ["0°", "90°", "180°", "270°"]


def _acting(label: str) -> str:
    """"L_h ψ" for an element's label (e, r², mr³, ...), set by matplotlib's math text."""
    power = label.translate(str.maketrans({"²": "^2", "³": "^3", "⁴": "^4", "⁵": "^5"}))
    return rf"$L_{{{power}}}\,\psi$"


#: The sides of the photograph a figure draws (at least a figure's 8 x 8; at most the
#: photograph's own 512).
_SIZES = (8, 512)


def _image(image: np.ndarray | None, size: int) -> np.ndarray:
    """The photograph at ``size`` x ``size``, or the user's square image of finite grey values
    (then ``size`` is not used, but checked all the same: a wrong argument is refused)."""
    size = integer(size, "size", *_SIZES)
    if image is None:
        return grace_hopper(size)
    image = real_numpy(image, "image")
    if image.ndim != 2 or image.shape[0] != image.shape[1] or image.shape[0] < _SIZES[0]:
        raise ValueError(f"image must be a square 2D array of at least {_SIZES[0]} x "
                         f"{_SIZES[0]} pixels, got shape {image.shape}")
    return _finite(image, "image", "grey values")


def _finite(values: np.ndarray, name: str, what: str) -> np.ndarray:
    """``values``, or a ValueError naming ``name`` and the bad value: NaN, inf, or more than
    1e150 in size (an image's products with a filter must not overflow)."""
    if not np.all(np.isfinite(values)) or np.abs(values).max() > 1e150:
        bad = "NaN" if np.isnan(values).any() else "inf" if np.isinf(values).any() else \
            f"{np.abs(values).max():.3g}"
        raise ValueError(f"{name} must hold finite {what} (at most 1e150 in size: their "
                         f"products must not overflow), got {bad}")
    return values


def _show(ax, array: np.ndarray, title: str | None = None, **kwargs) -> None:
    ax.imshow(array, **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9, pad=2)


def _arrow(fig: Figure, ax_from, ax_to, start: tuple, end: tuple, color: str = "0.3",
           bend: float = -0.25) -> None:
    fig.add_artist(ConnectionPatch(start, end, coordsA="axes fraction", coordsB="axes fraction",
                                   axesA=ax_from, axesB=ax_to, arrowstyle="-|>",
                                   mutation_scale=12, color=color, lw=1.2,
                                   connectionstyle=f"arc3,rad={bend}"))


# --------------------------------------------------------------- 1. p4 cross
#: Cohen & Welling's Figure 1: e top centre, r middle left, r^2 bottom centre, r^3 middle right
_CROSS = {0: (0, 1), 1: (1, 0), 2: (2, 1), 3: (1, 2)}


#: Where the arrow between neighbouring places of the cross leaves and arrives (axes fraction)
_ANCHORS = [((0.0, 0.5), (1.0, 1.0)), ((0.5, 0.0), (0.0, 0.5)), ((1.0, 0.5), (0.5, 0.0)),
            ((0.0, 1.0), (1.0, 0.5))]   # (never the top centre: a patch's title is there)


def _cross(fig: Figure, spec, patches: np.ndarray, centre: np.ndarray, title: str,
           labels: list[str], limit: float, rings: int = 1) -> tuple:
    """Orientation patches around the input in the middle, with arrows showing where each patch
    goes when the input turns by r: e -> r -> r^2 -> r^3 -> e. With ``rings`` = 2 the mirrored
    orientations (4..7) sit on an outer ring, where r moves them the other way,
    m -> mr^3 -> mr^2 -> mr -> m (R^-1 M R^j = M R^(j+1)). The colours saturate at +-``limit``.
    Returns the patches' axes (in index order), the centre's axes, the title's Text and the
    cross's grid."""
    n = 3 if rings == 1 else 5
    grid = spec.subgridspec(n, n, wspace=0.06, hspace=0.16)
    off = rings - 1
    axes = []
    for t in range(len(patches)):
        row, col = _CROSS[t % 4]
        if t >= 4:   # outer ring: twice as far from the centre
            row, col = 2 * row, 2 * col
        else:
            row, col = row + off, col + off
        ax = fig.add_subplot(grid[row, col])
        _show(ax, patches[t], labels[t], cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes.append(ax)
    middle = fig.add_subplot(grid[1 + off, 1 + off])
    _show(middle, centre, None, cmap="gray")
    corner = fig.add_subplot(grid[0, 0])
    corner.axis("off")
    text = corner.text(0.0, 1.0, title, fontsize=10, va="top", ha="left",
                       transform=corner.transAxes)
    inner = axes[:4]
    for t, (start, end) in enumerate(_ANCHORS):
        _arrow(fig, inner[t], inner[(t + 1) % 4], start, end)
    if rings == 2:
        outer = axes[4:]
        for t, (start, end) in enumerate(_ANCHORS):   # the same places, the other way round
            _arrow(fig, outer[(t + 1) % 4], outer[t], end, start, color="tab:purple", bend=0.25)
    return axes, middle, text, grid


def _limit(maps: list[np.ndarray], clip: Any) -> float:
    """Where the colours saturate: ``clip`` (in (0, 1]) times the largest |value| (a clip
    below 1 gives the weaker responses contrast)."""
    clip = number(clip, "clip", 0.0, 1.0, open_low=True)
    return clip * max(float(np.abs(m).max()) for m in maps) or 1.0


def _legend(fig: Figure, patch, kernel: np.ndarray, grid, place: tuple[int, int],
            clip: float, margin: float) -> None:
    """The filter drawn in an empty corner (``place``) of the first cross's ``grid``, and the
    colour bar of every patch (the responses' scale; ``patch`` is one of them) in a right
    margin of ``margin`` (a fraction of the width) kept free of the layout."""
    ax = fig.add_subplot(grid[place])
    top = float(np.abs(kernel).max()) or 1.0
    _show(ax, kernel, "filter ψ", cmap="RdBu_r", vmin=-top, vmax=top)
    saturate = "" if clip == 1 else f"\n(saturates at {clip:.0%} of the largest)"
    fig.get_layout_engine().set(rect=(0, 0, 1 - margin, 1))
    cax = fig.add_axes((1 - 0.9 * margin, 0.3, 0.15 * margin, 0.4))   # its label inside too
    fig.colorbar(patch.images[0], cax=cax, label=f"response{saturate}")


def _p4_maps(image: np.ndarray, group, kernel: np.ndarray | None = None) -> np.ndarray:
    """First-layer feature map of ``kernel``, by default the edge filter: (S, H, W), 'same'
    mode (on p4m the chiral one, so that all eight planes differ)."""
    if kernel is None:
        kernel = EDGE_CHIRAL if group.stabiliser.order > 4 else EDGE
    return lifting_correlation(image[None], kernel[None, None], group, mode="same")[0]


def _kernel(kernel: Any, image: np.ndarray) -> np.ndarray | None:
    """The user's filter: a 2D array of finite real values, square, at most the image's side
    (None: the figure's own)."""
    if kernel is None:
        return None
    kernel = real_numpy(kernel, "kernel")
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or \
            not 1 <= kernel.shape[0] <= image.shape[0]:
        raise ValueError(f"kernel must be a square 2D filter of side 1..{image.shape[0]} (the "
                         f"image's), got shape {kernel.shape}")
    return _finite(kernel, "kernel", "values")


def p4_feature_map(image: np.ndarray | None = None, size: int = 48,
                   kernel: np.ndarray | None = None, clip: float = 0.6) -> Figure:
    """The p4 feature map of a dark-to-light edge filter (or ``kernel``, a square 2D filter),
    for the input rotated by 0, 90, 180 and 270 degrees: each orientation patch rotates and
    moves one place along the arrows (Cohen & Welling 2016, Figure 1). The filter is drawn in
    the first cross's corner; one colour bar gives the responses' scale, whose colours saturate
    at ``clip`` times the largest |response| (1: none saturate)."""
    image = _image(image, size)
    kernel = _kernel(kernel, image)
    turns = [np.rot90(image, q) for q in range(4)]
    maps = [_p4_maps(turned, P4, kernel) for turned in turns]
    limit = _limit(maps, clip)
    fig = Figure(figsize=(11.5, 11), layout="constrained")
    specs = fig.add_gridspec(2, 2, wspace=0.04, hspace=0.1)
    patches, grids = [], []
    for q in range(4):
        axes, _, _, grid = _cross(fig, specs[q // 2, q % 2], maps[q], turns[q],
                                  f"input turned\nby {_ROTATION_LABELS[q]}", _POINT_LABELS[:4],
                                  limit)
        patches += axes
        grids.append(grid)
    _legend(fig, patches[0], EDGE if kernel is None else kernel, grids[0], (2, 0), float(clip),
            0.09)
    name = "edge filter" if kernel is None else "the given filter"
    fig.suptitle(f"A p4 feature map ({name}) under rotations of the input: each patch\n"
                 "rotates and moves one place along the arrows e → r → r² → r³ → e",
                 fontsize=11)
    return fig


def p4_feature_map_animation(path: str | pathlib.Path, image: np.ndarray | None = None,
                             size: int = 48, fps: int = 2, dpi: int = 80,
                             kernel: np.ndarray | None = None) -> pathlib.Path:
    """An animated GIF (Pillow): the cross of p4_feature_map (of the edge filter, or
    ``kernel``) while the input rotates by 0, 90, 180, 270 degrees and then translates; under
    a translation every patch moves alike."""
    from matplotlib.animation import FuncAnimation, PillowWriter
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fps, dpi = integer(fps, "fps", 1, 60), integer(dpi, "dpi", 10, 600)
    path = output_file(path, "path", (".gif",))    # before the frames are computed
    base = _image(image, size)
    kernel = _kernel(kernel, base)
    pad = 6
    canvas = np.pad(base, pad, mode="edge")
    frames = [("turned by " + _ROTATION_LABELS[q], np.rot90(base, q)) for q in range(4)]
    for du, dv in [(0, 0), (0, 2), (0, 4), (2, 4), (4, 4), (4, 2), (2, 0), (0, 0)]:
        shifted = canvas[pad - du:pad - du + len(base), pad - dv:pad - dv + len(base)]
        frames.append((f"moved by ({du}, {dv})", shifted))
    fig = Figure(figsize=(4.6, 4.9), layout="constrained")
    FigureCanvasAgg(fig)
    maps = [_p4_maps(f, P4, kernel) for _, f in frames]
    limit = max(float(np.abs(m).max()) for m in maps) or 1.0
    axes, centre, text, _ = _cross(fig, fig.add_gridspec(1, 1)[0], maps[0], frames[0][1],
                                   "input\n" + frames[0][0], _POINT_LABELS[:4], limit)

    def draw(i):
        label, frame = frames[i]
        for t, ax in enumerate(axes):
            ax.images[0].set_data(maps[i][t])
        centre.images[0].set_data(frame)
        text.set_text("input\n" + label)
        return []

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        FuncAnimation(fig, draw, frames=len(frames)).save(path, writer=PillowWriter(fps=fps),
                                                          dpi=dpi)
    except OSError as error:
        raise ValueError(f"path: cannot write {str(path)!r}: {error.strerror or error}") \
            from None
    return path


def p4m_feature_map(image: np.ndarray | None = None, size: int = 40,
                    kernel: np.ndarray | None = None, clip: float = 0.6) -> Figure:
    """The p4m feature map of a chiral edge filter (``EDGE_CHIRAL``: its eight planes all
    differ): rotations on the inner ring, mirrored orientations (index 4m + r, m = 1) on the
    outer ring; for the identity, a rotation by 90 degrees and the mirror (up-down flip) of the
    input. ``kernel``: another square 2D filter (a mirror-symmetric one repeats planes);
    ``clip`` as in ``p4_feature_map``."""
    image = _image(image, size)
    kernel = _kernel(kernel, image)
    fig = Figure(figsize=(19.5, 7.8), layout="constrained")
    specs = fig.add_gridspec(1, 3, wspace=0.3)
    cases = [("input", image), ("input turned\nby 90° (r)", np.rot90(image)),
             ("input mirrored\n(m: up-down)", image[::-1, :])]
    maps = [_p4_maps(x, P4M, kernel) for _, x in cases]
    limit = _limit(maps, clip)
    patches, grids = [], []
    for i, (title, x) in enumerate(cases):
        axes, middle, _, grid = _cross(fig, specs[0, i], maps[i], x, title, _POINT_LABELS,
                                       limit, rings=2)
        patches += axes
        grids.append(grid)
        # the mirror line of m (u -> -u): the horizontal line through the centre
        centre = (x.shape[0] - 1) / 2
        middle.axhline(centre, color="magenta", lw=2.2, ls="--")
        middle.text(x.shape[1] - 1, centre - 0.8, "m", color="magenta", fontsize=11,
                    ha="right", va="bottom")
    _legend(fig, patches[0], EDGE_CHIRAL if kernel is None else kernel, grids[0], (4, 0),
            float(clip), 0.055)
    name = "chiral edge filter" if kernel is None else "the given filter"
    fig.suptitle(f"A p4m feature map ({name}): rotated orientations on the inner ring, mirrored "
                 "ones on the outer ring. Turning the input by r turns every patch and moves it "
                 "along "
                 "the arrows\n(the mirrored ring the other way); mirroring the input about the "
                 "dashed line m flips every patch and swaps the rings.", fontsize=11)
    return fig


# ------------------------------------------------------------------ 3. filters
#: A chiral glyph (its mirror image is no rotation of it): turns and mirrors stay visible
_F = np.array([[1, 1, 1, 1, 0], [1, 0, 0, 0, 0], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0],
               [1, 0, 0, 0, 0]], dtype=float)


def _filter_figure(group) -> Figure:
    s = group.stabiliser.order
    values = np.linspace(1.0, -1.0, s) if s > 1 else np.ones(1)
    psi = (_F[None] * values[:, None, None])[None, None]    # slice t: the glyph, value v_t
    bank = filter_bank(psi, group)[0, :, 0]                  # [s, t] = (L_{h_s} psi)[t]
    fig = Figure(figsize=(1.2 * s + 1.4, 1.2 * s + 1.3), layout="constrained")
    axes = fig.subplots(s, s)
    for row in range(s):
        for t in range(s):
            ax = axes[row, t]
            _show(ax, bank[row, t], None, cmap="RdBu_r", vmin=-1, vmax=1)
            if row == 0:
                ax.set_title(f"slice {_POINT_LABELS[t]}", fontsize=9)
            if t == 0:
                ax.set_ylabel(_acting(_POINT_LABELS[row]), fontsize=10)
    moves = "turns or flips" if group.stabiliser.order > 4 else "turns"
    fig.suptitle(f"A {group.name.lower()} filter ψ (top row: one value per slice) and its\n"
                 rf"transformations $L_h\,\psi$: every slice {moves}, and the" "\n"
                 "slices change places (the filter bank)", fontsize=10)
    return fig


def p4_filter() -> Figure:
    """A p4 filter (4 orientation slices, each an "F" of its own value) and its transformations
    by e, r, r^2, r^3: each slice rotates and the orientation axis shifts cyclically; the rows
    are the filter bank of GrouPy's TransformGFilter."""
    return _filter_figure(P4)


def p4m_filter() -> Figure:
    """A p4m filter (8 slices) and its 8 transformations."""
    return _filter_figure(P4M)


# ------------------------------------------------------------ 4. SE(2) pipeline
def se2_pipeline(image: np.ndarray | None = None, size: int = 64, n: int = 8) -> Figure:
    """The lecture's picture: 2D input -> lifting with N rotated kernels -> SE(2) feature map
    (a stack of orientation slices) -> a group correlation layer -> projection over H (max)."""
    n = integer(n, "n", 2, 16)
    if n % 2:
        raise ValueError(f"se2_pipeline draws the N orientations in two rows: n must be even, "
                         f"got {n}")
    image = _image(image, size)
    k = 5
    kernel = np.outer([0.0, -1.0, 0.0, 1.0, 0.0], [1.0, 2.0, 3.0, 2.0, 1.0]) / 9  # dark-to-light
    group = SE2(n)
    rotated = np.stack([(op @ kernel.ravel()).reshape(k, k)
                        for op in kernel_operators(group, k)])
    lifted = lifting_correlation(image[None, None], kernel[None, None], group, mode="same")[0, 0]
    rng = np.random.default_rng(0)
    w_group = np.zeros((1, 1, n, k, k))
    w_group[0, 0, 0] = np.outer([1, 2, 3, 2, 1], [1, 2, 3, 2, 1]) / 81.0   # same orientation
    w_group[0, 0, 1] = w_group[0, 0, -1] = 0.5 * w_group[0, 0, 0]           # and its neighbours
    w_group += 0.02 * rng.standard_normal(w_group.shape)
    grouped = group_correlation(np.maximum(lifted, 0)[None, None], w_group, group,
                                mode="same")[0]
    projected = project(grouped, Space.on_group(group), "max")[0]
    grouped = grouped[0]

    # explicit margins: nested grids with gaps for arrows; wider from 12 orientations on, whose
    # panels' titles would otherwise overlap
    fig = Figure(figsize=(15.5 * max(1.0, n / 12), 6.6))
    # columns: input, gap, lifting, gap, group correlation, gap, projection
    outer = fig.add_gridspec(5, 7, height_ratios=[1, 1, 0.5, 1.6, 1.6],
                             width_ratios=[1, 0.2, 1.7, 0.2, 1.7, 0.2, 1], wspace=0.0,
                             hspace=0.3, left=0.01, right=0.99, top=0.9, bottom=0.02)
    angles = [f"{round(360 * r / n, 1):g}°" for r in range(n)]     # 22.5°, not 22°
    klim = np.abs(rotated).max()
    kernels = outer[0:2, 2].subgridspec(2, n // 2, wspace=0.05, hspace=0.35)
    for r in range(n):
        _show(fig.add_subplot(kernels[r // (n // 2), r % (n // 2)]), rotated[r],
              f"k at {angles[r]}", cmap="RdBu_r", vmin=-klim, vmax=klim)
    corners = []   # (upper-left, upper-right) slice of each stage, for the arrows
    for col, (maps, title) in enumerate([(lifted, "lifting with the rotated kernels:\n"
                                          "(f ⋆ k)(x, θ), a stack of orientations"),
                                         (grouped, "ReLU, then group correlation over x\n"
                                          "and θ (periodic in θ)")], start=1):
        col = 2 * col                                  # columns 2 and 4
        heading = fig.add_subplot(outer[2, col])
        heading.axis("off")
        heading.text(0.5, 0.0, title, ha="center", va="bottom", fontsize=10)
        grid = outer[3:, col].subgridspec(2, n // 2, wspace=0.05, hspace=0.2)
        limit = np.abs(maps).max()
        axes = []
        for r in range(n):
            axes.append(fig.add_subplot(grid[r // (n // 2), r % (n // 2)]))
            _show(axes[-1], maps[r], f"θ = {angles[r]}", cmap="RdBu_r", vmin=-limit, vmax=limit)
        corners.append((axes[0], axes[n // 2 - 1]))
    ax_in = fig.add_subplot(outer[3:, 0])
    _show(ax_in, image, "input f on Z²", cmap="gray")
    ax_out = fig.add_subplot(outer[3:, 6])
    _show(ax_out, projected, "projection over H:\nmax over θ", cmap="magma")
    between = -0.15   # just below the upper row of slices: the middle of a stage
    _arrow(fig, ax_in, corners[0][0], (1.04, 0.5), (-0.06, between), bend=0)
    _arrow(fig, corners[0][1], corners[1][0], (1.06, between), (-0.06, between), bend=0)
    _arrow(fig, corners[1][1], ax_out, (1.06, between), (-0.04, 0.5), bend=0)
    fig.suptitle(f"SE(2) with N = {n} orientations, as in the lecture: the kernel is rotated by "
                 "bilinear interpolation (in a disk)", fontsize=11)
    return fig


# ----------------------------------------------------------- 5. boundary effect
def boundary_effect(image: np.ndarray | None = None, size: int = 32,
                    shift: tuple[int, int] = (3, 5)) -> Figure:
    """|(L_t f) * psi - L_t (f * psi)| for a fixed window (array-level 'same' correlation:
    what leaves the window is lost, zeros enter) beside the exact-support correlation of the
    literal sums (zero everywhere): translation equivariance holds exactly only when nothing
    is cut off."""
    image = _image(image, size)
    if isinstance(shift, np.ndarray) and shift.shape == (2,):
        shift = shift.tolist()
    if not isinstance(shift, (tuple, list)) or len(shift) != 2:
        raise TypeError(f"shift must be a pair of ints (u, v), got {shift!r}")
    side = image.shape[0] - 1           # a shift by the whole side leaves nothing to compare
    shift = tuple(integer(t, f"shift[{i}]", -side, side) for i, t in enumerate(shift))
    f = FeatureMap(Z2, image[None])                       # support: the image's box
    psi = FeatureMap(Z2, EDGE[None], origin="centre")
    t = Z2.element(u=shift[0], v=shift[1])
    window = f.box
    cropped = (restrict(planar_correlation(restrict(L(t, f), window), psi), window).values[0]
               - restrict(L(t, restrict(planar_correlation(f, psi), window)), window).values[0])
    exact_lhs = planar_correlation(L(t, f), psi)
    exact_rhs = L(t, planar_correlation(f, psi))
    box = exact_lhs.box
    exact = exact_lhs.on_box(box)[0] - exact_rhs.on_box(box)[0]
    scale_ = np.abs(planar_correlation(f, psi).values).max()
    fig = Figure(figsize=(10, 3.9), layout="constrained")
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.1]})
    _show(axes[0], image, "f (a fixed window)", cmap="gray")
    worst = float(np.abs(cropped).max())
    vmax = worst or 1.0                  # no error at all: both panels in the colour of 0
    share = f"{worst / scale_:.0%} of max |f ⋆ ψ|" if scale_ else "f ⋆ ψ is 0"
    _show(axes[1], np.abs(cropped), f"fixed window: max |error| = {worst:.3g}\n({share})",
          cmap="magma", vmin=0, vmax=vmax)
    im = axes[2].imshow(np.abs(exact), cmap="magma", vmin=0, vmax=vmax)
    axes[2].set_xticks([])
    axes[2].set_yticks([])
    axes[2].set_title(f"exact support: max |error| = {np.abs(exact).max():.3g}", fontsize=9,
                      pad=2)
    fig.colorbar(im, ax=axes[2], shrink=0.8, label="|(L_t f) ⋆ ψ − L_t (f ⋆ ψ)|")
    fig.suptitle(f"Translation by t = {shift}: cropped correlation is not equivariant at the "
                 "border; with exact supports it is, everywhere" if worst else
                 f"Translation by t = {shift}: nothing of f ⋆ ψ crosses the window's border "
                 "here, so the cropped correlation is equivariant too", fontsize=11)
    return fig


# ----------------------------------------------------- 6. equivariance vs angle
def equivariance_vs_angle(image: np.ndarray | None = None, size: int = 48,
                          ns: tuple[int, ...] = (4, 8, 16), step: int = 5) -> Figure:
    """Measured equivariance error of random 3-layer SE2(N) networks (with projection) against
    the input rotation angle, and the cost of the interpolation alone (groupconv.equivariance)."""
    step = integer(step, "step (degrees)", 1, 360)
    if not isinstance(ns, (tuple, list)) or not 1 <= len(ns) <= 8:
        raise TypeError(f"ns must be a tuple of 1 to 8 numbers of orientations, got {ns!r}")
    ns = tuple(integer(n, f"ns[{i}]", 1, 64) for i, n in enumerate(ns))
    image = _image(image, size)
    angles = np.arange(0, 361, step)
    radius = image.shape[0] / 2 - 3 * 2 - 2    # the networks' receptive field stays inside
    if radius < 4:
        raise ValueError(f"equivariance_vs_angle needs an image of at least 24 x 24 pixels "
                         f"(a central disk beyond the networks' reach), got "
                         f"{image.shape[0]} x {image.shape[1]}")
    fig = Figure(figsize=(8.5, 4), layout="constrained")
    ax = fig.add_subplot()
    for n in ns:
        ax.plot(angles, eq.rotation_curve(eq.se2_network(n), image, angles, radius), marker=".",
                label=f"N = {n}")
    ax.plot(angles, eq.interpolation_curve(image, angles, radius), "k--", lw=1,
            label="rotating the input\nalone and back")
    ax.set_xticks(range(0, 361, 45))
    ax.set_xlabel("input rotation (degrees)")
    ax.set_ylabel("relative L2 error in the central disk")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    # what the title may claim: exactness at an angle needs that turn among the N samples and
    # on the pixel grid (90° where 4 divides N, 180° where 2 does; only 0° for an odd N)
    kinds = {"at multiples of 90°": [n for n in ns if n % 4 == 0],
             "at multiples of 180°": [n for n in ns if n % 4 == 2],
             "only at 0°": [n for n in ns if n % 2]}
    found = {claim: sorted(set(of)) for claim, of in kinds.items() if of}
    exact = "exact at multiples of 90°" if len(found) == 1 and kinds["at multiples of 90°"] \
        else "exact " + "; ".join(f"{claim} for N = {', '.join(map(str, of))}"
                                  for claim, of in found.items())
    ax.set_title(f"SE(2) networks with N orientations: {exact},\napproximate in between",
                 fontsize=10)
    return fig


# ----------------------------------------------------------- 7. scale-translation
def _circles(size: int, radii: list[float]) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Bright discs of the given radii on a dark background, spread along a diagonal."""
    yy, xx = np.mgrid[0:size, 0:size]
    image = np.zeros((size, size))
    centres = []
    for i, r in enumerate(radii):
        c = (size * (i + 0.6) / (len(radii) + 0.2), size * (i + 0.6) / (len(radii) + 0.2))
        centres.append(c)
        image += np.clip(r + 0.5 - np.hypot(yy - c[0], xx - c[1]), 0, 1)
    return image, centres


def scale_translation(size: int = 72, radii: tuple[float, ...] = (2.0, 4.0, 8.0),
                      n_scales: int = 4) -> Figure:
    """Responses of a centre-surround kernel k_s(x) = k~(x / s) / s^2 to discs of several radii,
    at each position and scale (base 2): each disc answers most at the scale that fits it."""
    size = integer(size, "size", 16, 1024)
    n_scales = integer(n_scales, "n_scales", 1, 6)
    if not isinstance(radii, (tuple, list)) or not 1 <= len(radii) <= 8:
        raise TypeError(f"radii must be a tuple of 1 to 8 disc radii, got {radii!r}")
    radii = tuple(number(r, f"radii[{i}]", 0, size / 2, open_low=True)
                  for i, r in enumerate(radii))
    image, _ = _circles(size, list(radii))
    k = 5
    c = np.arange(k) - k // 2
    rr = c[:, None] ** 2 + c[None, :] ** 2
    blob = np.exp(-rr / 1.0) - 0.45 * np.exp(-rr / 3.0)           # centre minus surround
    blob -= blob.mean()
    group = ScaleTranslation(2.0, n_scales=n_scales, scale_extent=1)
    responses = lifting_correlation(image[None, None], blob[None, None], group, mode="same")[0, 0]
    fig = Figure(figsize=(3 * (n_scales + 2), 3.4), layout="constrained")
    axes = fig.subplots(1, n_scales + 2)
    _show(axes[0], image, f"discs of radius {', '.join(f'{r:g}' for r in radii)}", cmap="gray")
    limit = np.abs(responses).max()
    for i in range(n_scales):
        _show(axes[i + 1], responses[i], f"scale s = {2 ** i}", cmap="RdBu_r", vmin=-limit,
              vmax=limit)
    best = np.argmax(responses, axis=0)
    strength = responses.max(axis=0)
    im = axes[-1].imshow(np.where(strength > 0.3 * strength.max(), best, np.nan), cmap="viridis",
                         vmin=0, vmax=n_scales - 1)
    axes[-1].set_xticks([])
    axes[-1].set_yticks([])
    axes[-1].set_title("scale of the largest response", fontsize=9, pad=2)
    bar = fig.colorbar(im, ax=axes[-1], shrink=0.8, ticks=range(n_scales))
    bar.ax.set_yticklabels([f"s = {2 ** i}" for i in range(n_scales)])
    fig.suptitle("Scale-translation group: a lifting over scales answers each disc at the scale "
                 "that fits it", fontsize=11)
    return fig


# ------------------------------------------------------------------ 8. Cayley
def cayley_p4m() -> Figure:
    """The Cayley table of D4 (the stabiliser of p4m): entry (a, b) is a b, "a after b";
    elements ordered by index 4m + r, element M^m R^r."""
    from matplotlib import colormaps

    table = D4.cayley
    cmap = colormaps["tab10"]
    fig = Figure(figsize=(6, 6), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(table, cmap=cmap, vmin=-0.5, vmax=9.5)
    for a in range(8):
        for b in range(8):
            red, green, blue, _ = cmap(table[a, b])
            light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
            ax.text(b, a, _POINT_LABELS[table[a, b]], ha="center", va="center", fontsize=11,
                    color="black" if light else "white")
    ax.set_xticks(range(8), _POINT_LABELS)
    ax.set_yticks(range(8), _POINT_LABELS)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("b", fontsize=11)
    ax.set_ylabel("a", fontsize=11)
    ax.set_title("D4, the stabiliser of p4m: a · b (a after b)\nindex 4m + r is M^m R^r: "
                 "r a quarter turn, m an up-down mirror", fontsize=10, pad=12)
    return fig


# ------------------------------------------------------------------ 9. hexagonal lattice
#: A 7-cell hexagonal edge filter (axial coordinates, 3 x 3 array; corners unused): negative
#: on the side of -e1, positive on the side of +e1.
HEX_EDGE = np.array([[0.0, -1.0, -1.0], [-1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
_SIXTHS = ["e", "r", "r²", "r³", "r⁴", "r⁵"]


def _hexagons(ax, values: np.ndarray, offset=(0.0, 0.0), spacing: float = 1.0, **kwargs):
    """A hexagonal array drawn as hexagonal cells (only the valid ones) centred at ``offset``;
    the cells' values go to a PolyCollection's colour array."""
    from matplotlib.collections import PolyCollection

    n = values.shape[-1]
    inside = hexagon_mask(n)
    centres = cell_centres(n, spacing)[inside] + np.asarray(offset)
    angles = np.pi / 2 + np.arange(6) * np.pi / 3
    corner = spacing / np.sqrt(3.0) * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    cells = PolyCollection(centres[:, None, :] + corner[None], array=values[inside],
                           edgecolors="none", **kwargs)
    ax.add_collection(cells)
    return cells


def _hex_input(image: np.ndarray | None, size: int) -> np.ndarray:
    """A hexagonal array of side ``size`` resampled from the (square) image (approximate)."""
    size = integer(size, "size", 3, _SIZES[1] // 2 - 1)     # resampled from 2 size pixels
    if size % 2 == 0:
        raise ValueError(f"size must be odd (a hexagonal array has a centre cell), got {size}")
    return from_image(_image(image, max(2 * size, _SIZES[0])), size)


def p6_feature_map(image: np.ndarray | None = None, size: int = 21,
                   clip: float = 0.6) -> Figure:
    """The p6 feature map of a hexagonal edge filter, drawn as hexagonal cells: six orientation
    patches on a ring around the input, for the input turned by 0 and by 60 degrees (an exact
    permutation of cells): each patch turns by 60 degrees and moves one place along the ring,
    e -> r -> ... -> r^5 -> e (Cohen & Welling's Figure 1 on the hexagonal lattice). The input
    is the photograph resampled onto the hexagonal grid (approximate; everything after is
    exact). One colour scale for every patch, saturating at ``clip`` times the largest
    |response| (1: none saturate), shown in a colour bar."""
    from matplotlib.patches import FancyArrowPatch

    x = _hex_input(image, size)
    inputs = [x, transform(x[None], P6.element(r=1))[0]]
    maps = [lifting_correlation(v[None], HEX_EDGE[None, None], P6, mode="same")[0]
            for v in inputs]
    limit = _limit(maps, clip)
    fig = Figure(figsize=(14, 7.4), layout="constrained")
    extent = (size - 1) / 2 * 1.05
    ring = 3.0 * extent       # a gap of one patch radius between neighbours, for the arrows
    for panel, (v, m, title) in enumerate(zip(inputs, maps, ["input", "input turned by 60° (r)"])):
        ax = fig.add_subplot(1, 2, panel + 1)
        _hexagons(ax, v, cmap="gray")
        for t in range(6):
            angle = t * np.pi / 3
            centre = ring * np.array([np.cos(angle), np.sin(angle)])
            _hexagons(ax, m[t], centre, cmap="RdBu_r", clim=(-limit, limit))
            ax.text(*(centre * (1 + 1.3 * extent / ring)), _SIXTHS[t], ha="center",
                    va="center", fontsize=12)
            nxt = ring * np.array([np.cos(angle + np.pi / 3), np.sin(angle + np.pi / 3)])
            # from edge to edge of the patches (their radius is a third of the way), on top
            ax.add_patch(FancyArrowPatch(centre + (nxt - centre) * 0.36,
                                         nxt - (nxt - centre) * 0.36,
                                         connectionstyle="arc3,rad=0.25", arrowstyle="-|>",
                                         mutation_scale=14, color="tab:orange", lw=1.6,
                                         zorder=5))
        ax.set_xlim(-ring - 1.7 * extent, ring + 1.7 * extent)
        ax.set_ylim(-ring - 1.7 * extent, ring + 1.7 * extent)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=12)
    bar = ScalarMappable(Normalize(-limit, limit), "RdBu_r")
    saturate = "" if clip == 1 else f" (saturates at {clip:.0%} of the largest)"
    fig.colorbar(bar, ax=fig.axes, shrink=0.6, label=f"response{saturate}")
    fig.suptitle("A p6 feature map on the hexagonal lattice (edge filter): when the input turns "
                 "by 60°, each orientation patch\nturns by 60° and moves one place along the "
                 "arrows e → r → ... → r⁵ → e, exactly", fontsize=12)
    return fig


def p6_filter(seed: int = 3) -> Figure:
    """A filter on p6 (six 7-cell hexagonal kernels, one per orientation t) and its filter
    bank: row s is L_{r^s} psi, each kernel turned by 60 s degrees and the orientations
    shifted by s."""
    rng = np.random.default_rng(integer(seed, "seed", 0))
    w = rng.standard_normal((1, 1, 6, 3, 3))
    bank = filter_bank(w, P6)[0, :, 0]                     # (S_out, S_in, 3, 3)
    limit = np.abs(bank).max()
    fig = Figure(figsize=(9, 8.6), layout="constrained")
    ax = fig.add_subplot()
    step = 3.4
    for s in range(6):
        for t in range(6):
            _hexagons(ax, bank[s, t], (t * step, -s * step), cmap="RdBu_r",
                      clim=(-limit, limit))
        ax.text(-2.4, -s * step, _acting(_SIXTHS[s]) if s else r"$\psi$", ha="right",
                va="center", fontsize=12)
    for t in range(6):
        ax.text(t * step, 2.3, f"slice {_SIXTHS[t]}", ha="center", fontsize=10)
    ax.set_xlim(-5.5, 5 * step + 2)
    ax.set_ylim(-5 * step - 2, 3.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("A filter on p6 and its transformations (the filter bank): each row turns the\n"
                 "7-cell kernels by 60° and shifts the orientations by one", fontsize=12)
    return fig


#: An asymmetric motif (a flag) in the plane, near the origin: each group element's image
#: of it is distinct.
_MOTIF = np.array([[0.10, 0.06], [0.34, 0.06], [0.34, 0.13], [0.18, 0.13], [0.18, 0.2],
                   [0.27, 0.2], [0.27, 0.26], [0.18, 0.26], [0.18, 0.36], [0.10, 0.36]])
#: Plane coordinates (x right, y up) of the square lattice's basis: u is the row (down), v
#: the column (right).
_SQUARE_BASIS = np.array([[0.0, 1.0], [-1.0, 0.0]])


def _placed_motif(planes: list[np.ndarray], reach: float = 0.45, gap: float = 0.85
                  ) -> np.ndarray:
    """``_MOTIF`` placed for a point group given by its orthogonal maps of the plane, so that
    no two of its images overlap: centred in the direction c whose images h c lie furthest
    apart (the middle of a fundamental wedge, an angle alpha from the nearest image), at the
    distance r from the lattice point and of the radius rho = gap r sin(alpha / 2) that keep it
    within ``reach`` of its point (r + rho = reach: lattice points are 1 apart) and clear of
    its images (a mirror line, halfway to an image, passes between them), turned to point
    outwards."""
    centred = _MOTIF - (_MOTIF.max(axis=0) + _MOTIF.min(axis=0)) / 2
    radius = float(np.linalg.norm(centred, axis=1).max())
    others = [a for a in planes if not np.allclose(a, np.eye(2))]
    best, alpha = np.pi / 4, np.pi
    if others:
        alpha = -1.0
        for theta in np.linspace(0, 2 * np.pi, 720, endpoint=False):
            c = np.array([np.cos(theta), np.sin(theta)])
            nearest = min(float(np.arccos(np.clip(c @ (a @ c), -1, 1))) for a in others)
            if nearest > alpha + 1e-9:
                best, alpha = theta, nearest
    r = reach / (1 + gap * np.sin(alpha / 2))
    rho = gap * r * np.sin(alpha / 2)
    turn = np.array([[np.cos(best), -np.sin(best)], [np.sin(best), np.cos(best)]])
    return (centred * (rho / radius)) @ turn.T + r * np.array([np.cos(best), np.sin(best)])


def _mirror_lines(group, reach: int = 4) -> list[tuple[np.ndarray, np.ndarray]]:
    """The mirror lines of a wallpaper group, in lattice coordinates: (a point x0, a direction
    d) for each. A reflection A of H and a translation t give the element T(t) A, a reflection
    (not a glide) where it fixes a point, (I - A) x = t: t on the line (I - A) Z^2, t = j p
    with p primitive there, and the line through x0 = t / 2 along A's fixed direction. Lines
    with |j| <= ``reach``: through the lattice points, and halfway between them where p allows
    (pm's u = 1/2; cm has glides there, not mirrors)."""
    lines = []
    for a in np.asarray(group.stabiliser.matrices):
        if round(np.linalg.det(a)) != -1:
            continue
        moved = np.eye(2, dtype=int) - a
        column = moved[:, np.argmax(np.abs(moved).sum(axis=0))]
        p = column // np.gcd.reduce(column)
        fixed = np.eye(2, dtype=int) + a
        d = fixed[:, np.argmax(np.abs(fixed).sum(axis=0))]
        lines += [(j * p / 2, d.astype(float)) for j in range(-reach, reach + 1)]
    return lines


def wallpaper_gallery() -> Figure:
    """The 13 symmorphic wallpaper groups: the point group H acting on an asymmetric motif
    (one colour per element of H), tiled over the lattice (dots), in the lattice's plane
    geometry (square; hexagonal with e2 at 60 degrees), with the group's mirror lines dashed
    (``_mirror_lines``: pm's lie halfway between lattice points too, cm's only through them)."""
    from matplotlib import colormaps
    from matplotlib.collections import PolyCollection

    fig = Figure(figsize=(16, 13), layout="constrained")
    axes = fig.subplots(3, 5)
    cmap = colormaps["tab20"]
    for ax, (name, group) in zip(axes.flat, WALLPAPER.items()):
        basis = BASIS if group.lattice == "hexagonal" else _SQUARE_BASIS
        shapes, colours = [], []
        span = range(-3, 4)
        points = np.array([basis @ (u, v) for u in span for v in span])
        keep = np.all(np.abs(points) <= 1.9, axis=1)
        planes = [basis @ h @ np.linalg.inv(basis)          # orthogonal maps of the plane
                  for h in group.stabiliser.matrices]
        motif = _placed_motif(planes)
        for h_index, plane in enumerate(planes):
            image = motif @ plane.T
            for p in points[keep]:
                shapes.append(image + p)
                colours.append(h_index)
        ax.add_collection(PolyCollection(shapes, array=np.array(colours, dtype=float),
                                         cmap=cmap, clim=(-0.5, 19.5), edgecolors="black",
                                         linewidths=0.3))
        ax.plot(points[keep, 0], points[keep, 1], "k.", ms=3)
        for x0, d in _mirror_lines(group):
            start = basis @ x0
            ax.axline(start, start + basis @ d, color="tab:red", lw=0.8, ls="--", zorder=3)
        ax.set_xlim(-1.5, 1.5)
        ax.set_ylim(-1.5, 1.5)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{name}: {group.stabiliser.name}, |H| = {group.stabiliser.order}\n"
                     f"{group.lattice} lattice", fontsize=10)
    for ax in axes.flat[len(WALLPAPER):]:
        ax.axis("off")
    fig.suptitle("The 13 symmorphic wallpaper groups Z² ⋊ H: an asymmetric motif under every "
                 "element of H (one colour each), repeated at every lattice point; mirror "
                 "lines dashed",
                 fontsize=13)
    return fig


# ------------------------------------------------------------------ registry
# ------------------------------------------------------------------ 11. the cube
#: A chiral voxel shape (3D Tetris's "chiral 1" and a tail): no rotation maps it onto itself.
_CHIRAL = [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 1, 0), (2, 1, 0)]


def _voxels(ax, volume: np.ndarray, title: str | None = None, color: str = "tab:blue",
            fontsize: float = 7) -> None:
    """A binary volume (D, H, W) as cubes, depth u drawn upwards: (x, y, z) = (v, w, u), a
    rotation of the coordinates (a cyclic permutation), so that matplotlib's right-handed axes
    show every turn in its own sense (a mirror here would show each turn the other way)."""
    filled = np.transpose(volume > 0.5, (1, 2, 0))
    ax.voxels(filled, facecolors=color, edgecolors="0.2", linewidth=0.3)
    ax.set_axis_off()
    ax.set_box_aspect((1, 1, 1))
    if title:
        ax.set_title(title, fontsize=fontsize, pad=0)


def _axes_triad(ax, n: int) -> None:
    """Arrows along groupconv's axes v, w and u (depth, upwards), from a point in front of the
    corner (0, 0, 0) of a voxel drawing of side n (``_voxels``: (x, y, z) = (v, w, u)), so that
    the voxels do not hide them, labelled."""
    start, length = -0.3 * n, 0.4 * n
    for (dx, dy, dz), name in (((1, 0, 0), "v"), ((0, 1, 0), "w"), ((0, 0, 1), "u")):
        ax.quiver(start, start, 0, dx, dy, dz, length=length, color="0.25", linewidth=1.0,
                  arrow_length_ratio=0.25)
        ax.text(start + 1.2 * length * dx, start + 1.2 * length * dy, 1.2 * length * dz, name,
                fontsize=8, color="0.25")


def _cropped(volume: np.ndarray, side: int) -> np.ndarray:
    """The cube of ``side`` voxels about the volume's filled voxels (so that a small shape in
    a large box is drawn large; the same side for every drawing keeps their scale)."""
    filled = np.argwhere(volume > 0.5)
    low = np.clip((filled.min(axis=0) + filled.max(axis=0) + 1 - side) // 2, 0,
                  np.array(volume.shape) - side)
    return volume[tuple(slice(a, a + side) for a in low)]


def _chiral_volume(size: int) -> np.ndarray:
    volume = np.zeros((size,) * 3)
    offset = (size - 3) // 2
    for u, v, w in _CHIRAL:
        volume[u + offset, v + offset, w + offset] = 1.0
    return volume


def cubic_filter(group: Any = "P432") -> Figure:
    """A chiral 3 x 3 x 3 filter transformed by each element of the point group of ``group``
    (a group on Z^3; default P432, the cube's 24 rotations): the slices of its filter bank
    (``filter_bank``), in the order of the group's elements, each labelled with its axis and
    angle, or its mirror (``groups.describe``)."""
    group = get_group(group)
    if group.dim != 3 or group.lattice != "cubic":
        raise ValueError(f"group must be a group on Z^3 (P432, Pm-3m, P4/mmm, ...), got "
                         f"{group.name}, " + (f"on {group.lattice}" if group.lattice else
                                              "a sampled group"))
    n = group.samples
    bank = filter_bank(_chiral_volume(3)[None, None], group)[0, :, 0, 0]   # (n, 3, 3, 3)
    labels = describe(group.stabiliser)
    columns = 6 if n <= 24 else 8
    rows = -(-n // columns)
    fig = Figure(figsize=(2 * columns, 2.2 * rows + 0.4), layout="constrained")
    for s in range(n):
        ax = fig.add_subplot(rows, columns, s + 1, projection="3d")
        label = labels[s].replace("rotation by ", "").replace(" about ", "\nabout ") \
            .replace("rotoinversion by ", "rotoinv. ").replace("mirror ⊥", "mirror\n⊥")
        _voxels(ax, bank[s], f"{s}: {label}", color=_PALETTE[s % len(_PALETTE)])
        if s == 0:
            _axes_triad(ax, 3)
    what = "the cube's 24 rotations of it" if group.name == "P432" else \
        f"the {counted(n, 'element')} of {group.name}'s point group acting on it"
    fig.suptitle(f"A 3D filter and {what} (the {group.name} filter bank): every element acts "
                 "exactly on the voxel grid\n(axes (u, v, w) = (depth, row, column), u drawn "
                 "upwards, as in the first panel)", fontsize=11)
    return fig


_PALETTE = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]


def cubic_feature_map(size: int = 9) -> Figure:
    """The P432 lifting of a chiral shape and of the shape turned by a quarter turn g about w:
    the 24 orientation channels' strongest responses (max over the volume) are the same numbers,
    permuted: channel t of the turned input is channel idx(g^-1 h_t) of the upright one; and
    that channel itself is turned in space, as its slice through the centre (w fixed) shows."""
    size = integer(size, "size", 3, 33)
    group = get_group("P432")
    volume = _chiral_volume(size)
    kernel = _chiral_volume(3) - 0.2                            # the shape, as a filter
    g = next(h for h, label in zip(group.point_elements(), describe(group.stabiliser))
             if label == "rotation by 90° about (0, 0, 1)")
    turned = transform(volume[None], g)[0]
    upright_map = lifting_correlation(volume[None, None], kernel[None, None], group,
                                      mode="same")[0, 0]
    turned_map = lifting_correlation(turned[None, None], kernel[None, None], group,
                                     mode="same")[0, 0]
    strengths = [m.reshape(group.samples, -1).max(axis=1) for m in (upright_map, turned_map)]
    source = np.asarray(group.relative(int(group.point_index(g)), np.arange(group.samples)))
    # the upright identity channel, and the turned input's channel that holds it, turned
    slices = [upright_map[0][:, :, size // 2],
              turned_map[int(np.flatnonzero(source == 0)[0])][:, :, size // 2]]
    fig = Figure(figsize=(15, 6.4), layout="constrained")
    grid = fig.add_gridspec(2, 5)
    cmap = matplotlib.colormaps["viridis"]
    limits = (min(a.min() for a in slices), max(a.max() for a in slices))
    where = f"w = {size // 2}" + (", the centre" if size % 2 else "")
    side = min(size, 5)                                   # the shape's 3 voxels and a margin
    for row, (vol, strength, colours, title) in enumerate((
            (volume, strengths[0], np.arange(group.samples), "the input volume"),
            (turned, strengths[1], source, "the input turned by g (90° about w)"))):
        ax = fig.add_subplot(grid[row, 0], projection="3d")
        _voxels(ax, _cropped(vol, side), title, fontsize=9)
        _axes_triad(ax, side)
        ax = fig.add_subplot(grid[row, 1:4])
        bars = ax.bar(np.arange(group.samples), strength,
                      color=cmap(colours / (group.samples - 1)))
        if row:      # each bar names the upright channel it equals
            ax.bar_label(bars, labels=[str(int(c)) for c in colours], fontsize=7, padding=1)
            ax.margins(y=0.12)
        ax.set_xticks(np.arange(group.samples))
        ax.set_xlabel("orientation channel t (P432's element index)")
        ax.set_ylabel("max over the volume")
        ax.set_title("channel t, coloured and labelled by the upright channel it equals: "
                     "idx(g⁻¹ h_t)" if row else "channel t, coloured by t", fontsize=10)
        ax = fig.add_subplot(grid[row, 4])
        ax.imshow(slices[row], cmap="viridis", vmin=limits[0], vmax=limits[1])
        ax.set_xlabel("v")
        ax.set_ylabel("u")
        ax.set_title(f"channel 0 (the identity's),\nslice {where}" if not row else
                     f"channel {int(np.flatnonzero(source == 0)[0])} = upright channel 0,\n"
                     f"turned by g (slice {where})", fontsize=9)
    fig.suptitle("A P432 feature map: turning the input volume turns every channel and permutes "
                 "the 24 orientation channels (the colours move with them)", fontsize=11)
    return fig


FIGURES: dict[str, Callable[[], Figure]] = {
    "p4_feature_map": p4_feature_map,
    "p4m_feature_map": p4m_feature_map,
    "p4_filter": p4_filter,
    "p4m_filter": p4m_filter,
    "se2_pipeline": se2_pipeline,
    "boundary_effect": boundary_effect,
    "equivariance_vs_angle": equivariance_vs_angle,
    "scale_translation": scale_translation,
    "cayley_p4m": cayley_p4m,
    "p6_feature_map": p6_feature_map,
    "p6_filter": p6_filter,
    "wallpaper_gallery": wallpaper_gallery,
    "cubic_filter": cubic_filter,
    "cubic_feature_map": cubic_feature_map,
}


#: The formats ``save_all`` writes the still figures in.
FORMATS = ("png", "pdf", "svg")
#: Each format's metadata without the software's version or a date: files that do not change
#: between runs or machines unless the figure does.
_NO_STAMP = {"png": {"Software": None}, "pdf": {"Creator": None, "Producer": None,
                                                 "CreationDate": None},
             "svg": {"Creator": None, "Date": None}}


def save_all(out: str | pathlib.Path = "figures", only: str | None = None, dpi: int = 100,
             progress: Callable[[str], None] = print, fmt: str = "png") -> list[pathlib.Path]:
    """Write every figure (or ``only`` one) into the folder ``out`` as <name>.<fmt> (png, pdf
    or svg: ``FORMATS``), the animation as <name>.gif; one progress line per figure."""
    names = list(FIGURES) + ["p4_feature_map_animation"]
    if only is not None and only not in names:
        raise ValueError(f"unknown figure {only!r}{did_you_mean(only, names)}; the figures are: "
                         f"{', '.join(names)}")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")
    dpi = integer(dpi, "dpi", 10, 600)
    if not callable(progress):
        raise TypeError(f"progress must be a function of one line (print, say), got "
                        f"{type(progress).__name__}")
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"the output folder {str(out)!r} is a file; name a folder")
    if not out.exists() and out.suffix.lower().lstrip(".") in FORMATS + ("gif",):
        raise ValueError(f"out names the folder the figures are written into, got {str(out)!r} "
                         f"(a file name): give a folder, and the format as fmt= (--format on the "
                         f"command line)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"the output folder {str(out)!r} cannot be made: "
                         f"{error.strerror or error}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"the output folder {str(out)!r} is not writable")
    written = []
    for name, make in FIGURES.items():
        if only in (None, name):
            start = time.perf_counter()
            path = out / f"{name}.{fmt}"
            make().savefig(path, dpi=dpi, metadata=_NO_STAMP[fmt])
            written.append(path)
            progress(f"{name:<24} {path}  ({time.perf_counter() - start:.1f} s)")
    if only in (None, "p4_feature_map_animation"):
        start = time.perf_counter()
        path = p4_feature_map_animation(out / "p4_feature_map_animation.gif", dpi=dpi)
        written.append(path)
        progress(f"{'p4_feature_map_animation':<24} {path}  ({time.perf_counter() - start:.1f} s)")
    return written
