"""The correlation engine: one standard multi-channel cross-correlation in d = 1, 2, 3 dimensions,
as matrix products.

    y[b, o, i] = sum_{c, a} x_pad[b, c, i + a] w[o, a, c]          (i, a: d-indices)

Every group layer reduces to this call once its filter bank is expanded (C_out S output and
C_in S input channels). Layouts are declared, as jax.lax's dimension numbers are: the input is
(B, C, *spatial) ("NC" + spatial), the weights (O, *k^d, C) (taps before channels), the output
(B, O, *spatial'). A chunk of images is laid out (C, *spatial_padded, images) and flattened, so
that moving the window by a tap (a_1, ..., a_d) is moving a flat view by sum_i a_i stride_i: the
taps become column blocks of one matrix, copied in long contiguous runs, and the work is a few
large GEMMs. Four ways of arranging them, chosen by the shapes (``_strategy``):

- ``"im2col"``: all k^d taps stacked, one GEMM with K = k^d C (few input channels: lifting;
  small maps, where padded rows would be mostly waste; d = 1);
- ``"rows"``: the k^(d-1) taps of the axes after the first stacked at their output positions,
  K = k^(d-1) C, and the k taps of the first axis as k blocks of O rows of one GEMM, then k - 1
  in-place additions of those blocks moved along the first axis (wide layers on larger maps;
  images larger than a chunk go in slabs of at least 5 (k - 1) output rows, since each slab's
  k - 1 extra input rows are multiplied in vain);
- ``"scatter"``: when the output is much larger than the input (the heavy padding of an
  adjoint), the transposed correlation: GEMMs over the input positions only (all taps at once
  on small maps, tap by tap on larger ones), added into place, so that no product with a
  padding zero is computed;
- ``"stacked"`` (NumPy, few stacked taps: k^d C <= ``_STACKED_MAX_K``, a lifting layer, while
  one image fits the workspace): the images stay outermost, as x lays them out, and one stacked
  GEMM per chunk of images writes (images, O, positions), a view of the output, and the weight
  gradient reads dy as it is: where K is small the permutation of the output would cost as
  much as the products.

Work is done in chunks of whole images, or of slabs along the first spatial axis, of about
``TARGET_COLUMNS`` output positions (more on a GPU, where each chunk is a kernel launch), and the
temporary arrays never exceed ``max_workspace`` bytes, or what the smallest chunk (one output
slab and its k input slabs) needs where that is more. They live in a ``Workspace`` that a caller
(a layer) keeps and passes again, so that repeated calls reuse the same memory instead of paying
for fresh pages every time. A call without one uses its thread's pooled workspace, which is kept
between calls while it holds at most ``POOL_LIMIT`` bytes; ``release_memory()`` frees it. On
NumPy, "im2col" on images of ``_DIRECT_MIN_POSITIONS`` padded positions or more (``"direct"``)
takes one image (or a slab of one) per chunk, of up to ``DIRECT_TARGET_COLUMNS`` positions, and
its GEMM writes straight into the output: (O, positions) of one image is a 2D view of
(B, O, *spatial'), so no permutation is copied; on smaller images with few taps, "stacked" does
the same for a chunk of images.

Written against the Python array API standard (through array-api-compat): NumPy, CuPy and
array-api-strict arrays run this code; PyTorch and JAX arrays go to their library's own
convolution (``groupconv.fast.native``: conv1d/conv2d/conv3d, ``conv_general_dilated``).
"""

from __future__ import annotations

import itertools
import math
import threading
from typing import Any

from array_api_compat import (
    array_namespace, device, is_cupy_namespace, is_numpy_namespace, is_torch_namespace,
)

from ..modes import check_size, output_size, padding_of
from .native import native_for

__all__ = ["correlate", "weight_gradient", "adjoint_weights", "Workspace",
           "DEFAULT_MAX_WORKSPACE", "POOL_LIMIT", "release_memory"]

#: Default bound on the engine's temporary arrays, in bytes (256 MiB).
DEFAULT_MAX_WORKSPACE = 256 * 2**20

#: Output positions per chunk: large enough for efficient GEMMs, small enough to stay cheap in
#: memory (measured with benchmarks/bench_layers.py; see benchmarks/README.md).
TARGET_COLUMNS = 8192
#: The same on a GPU (CuPy): a chunk is a few kernel launches, so chunks are as large as the
#: workspace allows, up to this (design value; not measured here, no GPU was available).
GPU_TARGET_COLUMNS = 2**20
#: The same for "im2col" on NumPy once an image has ``_DIRECT_MIN_POSITIONS`` padded positions:
#: chunks of one image, or slabs of one, whose GEMM writes straight into the output (no
#: permutation copy), so that fewer, larger chunks win (measured: 24% to 48% faster than 8192
#: permuted columns on lifting layers of 256^2, 512^2, 32^3 and 40^3)
DIRECT_TARGET_COLUMNS = 32768

#: Largest pooled workspace kept between calls that pass no Workspace, per thread (bytes).
POOL_LIMIT = 256 * 2**20
#: The per-thread pool: the module's only state besides read-only caches (see release_memory).
_POOL = threading.local()

_IM2COL_MAX_K = 160  # stack all k^d taps while k^d C stays below this (measured: bench_layers)
#: "stacked" (images outermost, no permutation of the output) while k^d C is at most this
#: (measured in float32 against "im2col", benchmarks/bench_engine.py: 1.1 to 2.8 times as fast
#: up to K = 27 in 1D and 2D, even in 3D; 0.75 to 1.3 times the time at K = 72 to 81; slower
#: from 144)
_STACKED_MAX_K = 80
#: Output positions per chunk of "stacked" (measured: 4096 to 65536 within 15%, larger better)
STACKED_TARGET_COLUMNS = 32768
_MAX_WASTE = 1.5     # ... or, in a 2D forward, when the padded grid has 1.5x the output positions
#: ... and elsewhere (3D, weight gradients) when the first axis has 1.75x as many padded rows as
#: output rows: measured in float32, "rows" faster down to 5 -> 3 rows (1.67x) in 3D (4% to 30%
#: on 14^3 to 4^3, 16 to 96 channels), even to 12% slower at 2 output rows; weight gradients in
#: 2D faster by 10% to 58% from 1.67x down (P4CNN's 40 channels, 256 channels at batch 1)
_MAX_ROWS_WASTE = 1.75
#: outputs with 1.6x the input's positions, or more: the transposed form (measured on adjoints
#: of "valid": "rows" 2% to 40% faster at 1.56x and 1.59x, mixed at 1.65x, slower from 1.73x)
_MAX_GROWTH = 1.6
#: "rows" on images larger than a chunk: slabs of at least this many output rows per extra tap
#: of the first axis, k - 1 of them (measured in float32 on 32^3, 48^3 and 64^3 volumes of 32
#: and 64 channels: 1.05 to 2.1 times as fast as the 1 to 5 rows the column target alone
#: gives, the forward and the weight gradient)
_ROWS_SLABS_PER_TAP = 5
_CACHE_BYTES = 2**20  # "scatter": all taps' products in one GEMM up to this size (measured)
_FILL_PER_IMAGE = 4  # images copied one by one into a chunk (measured: 2 to 2.7 times as fast
#                      for 2 and 4 images, slower for 11 and more)
_DIRECT_MIN_POSITIONS = 2048  # "im2col" written in place from images of this size (measured:
#                               lifting on 40^2 10% slower, 48^2 even, 56^2 15% faster)
#: im2col stacks its taps in two steps where k^d copies are more than twice k^(d-1) + k: 2D
#: from k = 5, 3D from k = 3 (measured, the taps alone: a 64^2 lifting with k = 7 1.45x as
#: fast, 16^3 with k = 5 2.9x, 14^3 with k = 3 1.15x; 2D with k = 3 up to 15% slower, the first
#: step's extra rows outweighing three copies fewer)
_TWO_STEPS_RATIO = 2


class Workspace:
    """Scratch memory for ``correlate``, reused from call to call.

    Keep one per layer and pass it to every call: buffers grow to the largest size needed and
    are then reused. Threads that share it get buffers of their own (a layer called from
    several threads at once computes as called from one); it holds its memory until dropped.

    Examples
    --------
    >>> import numpy as np
    >>> import groupconv
    >>> ws = groupconv.Workspace()
    >>> x, w = np.ones((2, 1, 8, 8)), np.ones((3, 1, 3, 3))
    >>> y = groupconv.lifting_correlation(x, w, "p4", workspace=ws)
    >>> ws.nbytes > 0
    True
    """

    def __init__(self) -> None:
        self._buffers: dict[tuple, Any] = {}

    def buffer(self, xp, name: str, shape: tuple[int, ...], dtype, like) -> Any:
        """An array of ``shape`` backed by the buffer ``name`` (contents unspecified)."""
        size = math.prod(shape)
        key = (name, str(dtype), str(device(like)), id(xp), threading.get_ident())
        flat = self._buffers.get(key)
        if flat is None or flat.shape[0] < size:
            flat = xp.zeros((size,), dtype=dtype, device=device(like))
            self._buffers[key] = flat
        return xp.reshape(flat[:size], shape)

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        total = 0
        for flat in self._buffers.values():
            total += flat.shape[0] * array_namespace(flat).finfo(flat.dtype).bits // 8
        return total


def release_memory() -> int:
    """Free this thread's pooled scratch memory (used by calls that pass no Workspace).

    Returns
    -------
    int
        The number of bytes released.

    Examples
    --------
    >>> import groupconv
    >>> groupconv.release_memory() >= 0
    True
    """
    ws = getattr(_POOL, "workspace", None)
    _POOL.workspace = None
    return ws.nbytes if ws is not None else 0


def _pooled(workspace: Workspace | None) -> Workspace:
    """The caller's workspace, or this thread's pooled one."""
    if workspace is not None:
        return workspace
    ws = getattr(_POOL, "workspace", None)
    if ws is None:
        ws = _POOL.workspace = Workspace()
    return ws


def _trim_pool() -> None:
    """Keep the pool only while it is small enough (``POOL_LIMIT``)."""
    ws = getattr(_POOL, "workspace", None)
    if ws is not None and ws.nbytes > POOL_LIMIT:
        _POOL.workspace = None


def correlate(x: Any, w: Any, mode: str | int = "valid", *,
              max_workspace: int = DEFAULT_MAX_WORKSPACE,
              workspace: Workspace | None = None) -> Any:
    """Cross-correlate x (B, C, *spatial) with w (O, *k^d, C) (taps before channels):
    (B, O, *spatial').

    ``mode``: "valid", "same" (zero padding k // 2 on each side), "full" (k - 1), or the
    padding itself, an int in 0..k-1.
    """
    xp = array_namespace(x, w)
    d = x.ndim - 2
    batch, c_in = x.shape[0], x.shape[1]
    o, k, c_w = w.shape[0], w.shape[1], w.shape[-1]
    if w.ndim != d + 2 or any(a != k for a in w.shape[1:-1]) or c_w != c_in:
        raise ValueError(f"weights must have shape (O, {', '.join(['k'] * d)}, {c_in}), got "
                         f"{tuple(w.shape)}")
    p = padding_of(mode, k)
    out_shape = check_size(x.shape[2:], k, p)
    native = native_for(xp)
    if native is not None:
        return native.correlate(x, w, p)
    out = xp.empty((batch, o) + out_shape, dtype=x.dtype, device=device(x))
    if batch == 0:
        return out
    ws = _pooled(workspace)
    strategy = _strategy(x, o, k, p, max_workspace)
    if strategy in ("scatter", "stacked"):
        (_scatter if strategy == "scatter" else _stacked)(xp, ws, x, w, p, out, max_workspace)
        _trim_pool()
        return out
    direct = strategy == "direct"
    extra = _im2col_extra(k, d, c_in) + o if strategy in ("im2col", "direct") else \
        k ** (d - 1) * c_in + k * o
    w_rows = _rows_weights(xp, w) if strategy == "rows" else None
    for b0, nb, r0, rows, block in _blocks(xp, ws, x, k, p, extra, max_workspace, direct=direct,
                                            min_slabs=_rows_min_slabs(strategy, k)):
        if direct:       # one image, or a slab of one: (O, rows, ...) is a 2D view of out
            _im2col_block(xp, ws, block, w, (rows,) + out_shape[1:],
                          into=xp.reshape(out[b0, :, r0:r0 + rows, ...], (o, -1), copy=False))
            continue
        if strategy == "im2col":
            y = _im2col_block(xp, ws, block, w, (rows,) + out_shape[1:])
        else:
            y = _rows_block(xp, ws, block, w_rows, k, (rows,) + out_shape[1:])
        out[b0:b0 + nb, :, r0:r0 + rows, ...] = xp.permute_dims(y, (d + 1, 0) +
                                                                tuple(range(1, d + 1)))
    _trim_pool()
    return out


def adjoint_weights(w: Any) -> Any:
    """The weights of the adjoint correlation: (O, *k^d, C) -> (C, *k^d, O), taps reversed.

    If y = correlate(x, w, p) then the gradient of <y, dy> with respect to x is
    correlate(dy, adjoint_weights(w), k - 1 - p).
    """
    xp = array_namespace(w)
    d = w.ndim - 2
    return xp.flip(xp.permute_dims(w, (d + 1,) + tuple(range(1, d + 1)) + (0,)),
                   axis=tuple(range(1, d + 1)))


def weight_gradient(x: Any, dy: Any, k: int, mode: str | int = "valid", *,
                    max_workspace: int = DEFAULT_MAX_WORKSPACE,
                    workspace: Workspace | None = None) -> Any:
    """Gradient of <correlate(x, w, mode), dy> with respect to w (O, *k^d, C):

        dw[o, a, c] = sum_{b, i} dy[b, o, i] x_pad[b, c, i + a],

    one GEMM dy (O, N) @ cols(x)^T (N, k^d C) per chunk of output positions.
    """
    xp = array_namespace(x, dy)
    d = x.ndim - 2
    batch, c_in = x.shape[0], x.shape[1]
    o = dy.shape[1]
    p = padding_of(mode, k)
    out_shape = check_size(x.shape[2:], k, p)
    if tuple(dy.shape) != (batch, o) + out_shape:
        raise ValueError(f"dy must have shape {(batch, o) + out_shape}, got {tuple(dy.shape)}")
    native = native_for(xp)
    if native is not None:
        return native.weight_gradient(x, dy, k, p)
    ws = _pooled(workspace)
    strategy = _strategy(x, o, k, p, max_workspace, forward=False)
    if strategy == "stacked":
        grad = _stacked_weight_gradient(xp, ws, x, dy, k, p, max_workspace)
        _trim_pool()
        return grad
    grad = xp.zeros((o, k, k ** (d - 1) * c_in), dtype=x.dtype, device=device(x))
    extra = _im2col_extra(k, d, c_in) + o if strategy == "im2col" else k ** (d - 1) * c_in + o
    for b0, nb, r0, rows, block in _blocks(xp, ws, x, k, p, extra, max_workspace,
                                            min_slabs=_rows_min_slabs(strategy, k)):
        chunk = (rows,) + out_shape[1:]
        # dy with the positions first and the channels last, (N, O): the GEMMs below read it
        # as a row-major right operand, which BLAS multiplies fastest (measured: 1.35x over
        # dy (O, N) transposed)
        dyc = ws.buffer(xp, "dy", chunk + (nb, o), x.dtype, x)
        dyc[...] = xp.permute_dims(dy[b0:b0 + nb, :, r0:r0 + rows, ...],
                                   tuple(range(2, d + 2)) + (0, 1))
        dy_rows = xp.reshape(dyc, (-1, o))
        if strategy == "im2col":
            cols = _stack_taps(xp, ws, block, k, chunk)
            product = xp.reshape(cols, (k**d * c_in, dy_rows.shape[0])) @ dy_rows
            grad += xp.reshape(product.T, (o, k, k ** (d - 1) * c_in))
        else:
            # the taps of the other axes on the grid of "rows" against dy, moved down by
            # each tap a of the first axis: one GEMM per a
            cols = _plane_taps(xp, ws, block, k, chunk)
            n_out = dy_rows.shape[0]
            row = n_out // rows                 # the flat stride of the first axis
            for a in range(k):
                grad[:, a, :] += (cols[:, a * row:a * row + n_out] @ dy_rows).T
    _trim_pool()
    return xp.reshape(grad, (o,) + (k,) * d + (c_in,))


def _blocks(xp, ws: Workspace, x, k: int, p: int, extra_per_column: int, max_workspace: int,
            *, direct: bool = False, min_slabs: int = 1):
    """Chunks of the zero-padded input, laid out (C, *spatial, images): images innermost, so
    that every tap of a chunk is one long contiguous run and a shift of the window by a tap is
    a shift of the flat block.

    Yields (first image, images, first output slab, slabs, block); chunks hold about
    TARGET_COLUMNS output positions (``direct``: one image or a slab of one, of about
    DIRECT_TARGET_COLUMNS; slabs of at least ``min_slabs`` output rows where they fit) and at
    most ``max_workspace`` bytes with the engine's other buffers (``extra_per_column`` values
    per position), nearly equal in size.
    """
    batch, c_in = x.shape[0], x.shape[1]
    spatial = tuple(x.shape[2:])
    o1 = output_size(spatial[0], k, p)
    rest = tuple(n + 2 * p for n in spatial[1:])
    per_column = (xp.finfo(x.dtype).bits // 8) * (c_in + extra_per_column)
    budget = max(1, int(max_workspace) // per_column)
    target = GPU_TARGET_COLUMNS if is_cupy_namespace(xp) else \
        DIRECT_TARGET_COLUMNS if direct else TARGET_COLUMNS
    nb, slabs = _chunk_shape(1 if direct else batch, o1, k, math.prod(rest), min(budget, target),
                             budget, min_slabs)
    inner = tuple(slice(p, p + n) for n in spatial[1:])
    for b0, nbc in _even_split(batch, nb):
        for r0, rc in _even_split(o1, slabs):
            block = ws.buffer(xp, "block", (c_in, rc + k - 1) + rest + (nbc,), x.dtype, x)
            top = r0 - p
            lo, hi = max(top, 0), min(top + rc + k - 1, spatial[0])
            if p or hi - lo < rc + k - 1:       # else the copy below covers the whole block
                block[...] = 0
            if hi > lo:
                _put_images_last(xp, block[(slice(None), slice(lo - top, hi - top)) + inner +
                                           (slice(None),)], x[b0:b0 + nbc, :, lo:hi, ...])
            yield b0, nbc, r0, rc, block


def _put_images_last(xp, dst, src) -> None:
    """dst[c, ..., b] = src[b, c, ...]: the images innermost; image by image while they are at
    most ``_FILL_PER_IMAGE``, each copy in the source's order, else one permuted copy."""
    if src.shape[0] <= _FILL_PER_IMAGE:
        for i in range(src.shape[0]):
            dst[..., i] = src[i, ...]
    else:
        dst[...] = xp.permute_dims(src, tuple(range(1, src.ndim)) + (0,))


def _im2col_block(xp, ws: Workspace, block, w, chunk: tuple[int, ...], into=None):
    """All k^d taps of the valid positions stacked (k^d C, N): one GEMM, written ``into`` an
    (O, N) array if given. Returns (O, *chunk, images)."""
    c_in, nb = block.shape[0], block.shape[-1]
    o, k = w.shape[0], w.shape[1]
    d = len(chunk)
    cols = _stack_taps(xp, ws, block, k, chunk)
    n = math.prod(chunk) * nb
    prod = ws.buffer(xp, "products", (o, n), block.dtype, block) if into is None else into
    _matmul_into(xp, xp.reshape(w, (o, k**d * c_in)), xp.reshape(cols, (k**d * c_in, n)), prod)
    return xp.reshape(prod, (o,) + chunk + (nb,))


def _stack_taps(xp, ws: Workspace, block, k: int, chunk: tuple[int, ...]):
    """cols[a, c, i, b] = block[c, i + a, b]: every tap a of every valid position i.

    Where the taps are many (``_two_steps``), in two steps: the k^(d-1) taps of the axes after
    the first on the grid of "rows" (``_plane_taps``), then the k taps of the first axis as k
    copies of whole ranges of its rows (long contiguous runs): k^(d-1) + k copies instead of
    k^d."""
    c_in, nb = block.shape[0], block.shape[-1]
    d = len(chunk)
    cols = ws.buffer(xp, "cols", (k,) * d + (c_in,) + chunk + (nb,), block.dtype, block)
    if _two_steps(k, d):
        planes = _plane_taps(xp, ws, block, k, chunk, name="planes")
        row = planes.shape[1] // block.shape[1]     # the flat stride of the first axis
        n_out = chunk[0] * row
        for a in range(k):
            cols[a, ...] = xp.reshape(planes[:, a * row:a * row + n_out], cols.shape[1:])
        return cols
    for taps in itertools.product(range(k), repeat=d):
        window = tuple(slice(a, a + m) for a, m in zip(taps, chunk))
        cols[taps + (Ellipsis,)] = block[(slice(None),) + window + (slice(None),)]
    return cols


def _two_steps(k: int, d: int) -> bool:
    """Whether ``_stack_taps`` goes in two steps: while k^d copies are more than
    ``_TWO_STEPS_RATIO`` times k^(d-1) + k."""
    return k**d > _TWO_STEPS_RATIO * (k ** (d - 1) + k)


def _im2col_extra(k: int, d: int, c_in: int) -> int:
    """Values per output position of the workspace of ``_stack_taps``: the k^d C taps, and as
    many again for the first step's planes when it goes in two (they hold k^(d-1) C (rows + k -
    1) per k^d C rows: at most as many)."""
    return k**d * c_in * (2 if _two_steps(k, d) else 1)


def _rows_weights(xp, w):
    """w (O, k, *k^(d-1), C) as the matrix of "rows", (k O, k^(d-1) C): a block of O rows
    for each tap of the first axis."""
    o, k = w.shape[0], w.shape[1]
    rest = math.prod(w.shape[2:])
    return xp.reshape(xp.permute_dims(xp.reshape(w, (o, k, rest)), (1, 0, 2)), (k * o, rest))


def _rows_block(xp, ws: Workspace, block, w_rows, k: int, chunk: tuple[int, ...]):
    """The k^(d-1) taps of the axes after the first stacked (k^(d-1) C, N) on the grid of
    ``_rows_grid`` and multiplied by ``w_rows`` (``_rows_weights``): one GEMM, whose block a
    of O rows (tap a of the first axis) is added to the first moved back by a rows. Returns
    (O, *chunk, images)."""
    nb = block.shape[-1]
    o = w_rows.shape[0] // k
    grid = _rows_grid(block, chunk)
    n = math.prod(grid[1:])
    row = n // grid[1]                      # the flat stride of the first axis
    cols = _plane_taps(xp, ws, block, k, chunk)
    prod = ws.buffer(xp, "products", (k * o, n), block.dtype, block)
    _matmul_into(xp, w_rows, cols, prod)
    n_out = chunk[0] * row                  # the columns of the output rows
    y = prod[:o, :n_out]
    for a in range(1, k):
        y += prod[a * o:(a + 1) * o, a * row:a * row + n_out]
    return xp.reshape(y, (o,) + chunk + (nb,))


def _stacked_chunks(xp, ws: Workspace, x, k: int, p: int, o: int, max_workspace: int):
    """Chunks of whole images in x's own layout, images outermost, (images, C, *padded), each
    with its taps stacked, cols[b, a, c, i] = x_pad[b, c, i + a]: (images, k^d C, N). Yields
    (first image, images, cols); chunks hold about ``STACKED_TARGET_COLUMNS`` output positions
    and at most ``max_workspace`` bytes."""
    batch, c_in = x.shape[0], x.shape[1]
    spatial = tuple(x.shape[2:])
    d = len(spatial)
    out_shape = tuple(output_size(n, k, p) for n in spatial)
    outputs = math.prod(out_shape)
    nb = max(1, min(batch, int(max_workspace) // _stacked_bytes(x, o, k, p),
                    STACKED_TARGET_COLUMNS // max(outputs, 1)))
    inner = tuple(slice(p, p + n) for n in spatial)
    for b0, nbc in _even_split(batch, nb):
        if p:
            block = ws.buffer(xp, "block", (nbc, c_in) + tuple(n + 2 * p for n in spatial),
                              x.dtype, x)
            block[...] = 0
            block[(slice(None), slice(None)) + inner] = x[b0:b0 + nbc, ...]
        else:
            block = x[b0:b0 + nbc, ...]
        cols = ws.buffer(xp, "cols", (nbc,) + (k,) * d + (c_in,) + out_shape, x.dtype, x)
        for taps in itertools.product(range(k), repeat=d):
            window = tuple(slice(a, a + m) for a, m in zip(taps, out_shape))
            cols[(slice(None),) + taps + (Ellipsis,)] = block[(slice(None), slice(None)) +
                                                             window]
        yield b0, nbc, xp.reshape(cols, (nbc, k**d * c_in, outputs))


def _stacked(xp, ws: Workspace, x, w, p: int, out, max_workspace: int) -> None:
    """Few stacked taps (k^d C small: lifting) on small images: for a chunk of images, one
    stacked GEMM (O, k^d C) @ (images, k^d C, N) written straight into out (images, O, N), so
    that no output is permuted (it would cost as much as the products themselves)."""
    o, k = w.shape[0], w.shape[1]
    w_flat = xp.reshape(w, (o, -1))
    outputs = math.prod(out.shape[2:])
    for b0, nb, cols in _stacked_chunks(xp, ws, x, k, p, o, max_workspace):
        _matmul_into(xp, w_flat, cols,
                     xp.reshape(out[b0:b0 + nb, ...], (nb, o, outputs), copy=False))


def _stacked_weight_gradient(xp, ws: Workspace, x, dy, k: int, p: int, max_workspace: int):
    """The weight gradient of "stacked": dw = sum_b dy[b] (O, N) @ cols[b]^T (N, k^d C), one
    stacked GEMM per chunk of images, on dy as it is laid out."""
    d = x.ndim - 2
    o = dy.shape[1]
    grad = xp.zeros((o, k**d * x.shape[1]), dtype=x.dtype, device=device(x))
    outputs = math.prod(dy.shape[2:])
    for b0, nb, cols in _stacked_chunks(xp, ws, x, k, p, o, max_workspace):
        prod = ws.buffer(xp, "products", (nb, o, cols.shape[1]), x.dtype, x)
        dyc = dy[b0:b0 + nb, ...]
        if not dyc.flags.c_contiguous:      # (NumPy: "stacked" runs there only) in the budget
            flat = ws.buffer(xp, "dy", tuple(dyc.shape), x.dtype, x)
            flat[...] = dyc
            dyc = flat
        _matmul_into(xp, xp.reshape(dyc, (nb, o, outputs)), xp.matrix_transpose(cols), prod)
        grad += xp.sum(prod, axis=0)
    return xp.reshape(grad, (o,) + (k,) * d + (x.shape[1],))


def _scatter(xp, ws: Workspace, x, w, p: int, out, max_workspace: int) -> None:
    """Outputs larger than inputs (heavy padding: the adjoint of a "valid" layer): the
    transposed correlation over the input positions only,

        y[o, u + p - a] += sum_c w[o, a, c] x[c, u]    for every tap a,

    products formed by GEMM and added into place (col2im): no product with a padding zero is
    formed. The products of all taps come from one GEMM while they fit in a cache
    (``_CACHE_BYTES``: small maps, where loop overhead counts), else tap by tap, so that each
    product stays in the cache before it is added."""
    batch, c_in = x.shape[0], x.shape[1]
    spatial = tuple(x.shape[2:])
    d = len(spatial)
    o, k = w.shape[0], w.shape[1]
    out_shape = tuple(out.shape[2:])
    positions = math.prod(spatial)
    itemsize = xp.finfo(x.dtype).bits // 8
    per_image = _scatter_bytes(x, o, k, math.prod(out_shape))
    nb = max(1, min(batch, int(max_workspace) // per_image,
                    max(1, TARGET_COLUMNS // positions)))
    stacked = itemsize * k**d * o * positions * nb <= _CACHE_BYTES
    taps = 1 if not stacked else k**d
    w_taps = xp.reshape(xp.permute_dims(w, tuple(range(1, d + 1)) + (0, d + 1)),
                        (k**d * o, c_in))
    w_each = xp.reshape(w, (o, k**d, c_in))
    for b0, nbc in _even_split(batch, nb):
        xs = ws.buffer(xp, "block", (c_in,) + spatial + (nbc,), x.dtype, x)
        _put_images_last(xp, xs, x[b0:b0 + nbc, ...])
        flat = xp.reshape(xs, (c_in, positions * nbc))
        prod = ws.buffer(xp, "products", (taps * o, positions * nbc), x.dtype, x)
        if stacked:
            _matmul_into(xp, w_taps, flat, prod)
        y = ws.buffer(xp, "cols", (o,) + out_shape + (nbc,), x.dtype, x)
        y[...] = 0
        for index, tap in enumerate(itertools.product(range(k), repeat=d)):
            # output u + p - a for input u, on every axis
            dst, src = [], []
            for a, n, m in zip(tap, spatial, out_shape):
                i0, u0 = max(p - a, 0), max(a - p, 0)
                length = min(m - i0, n - u0)
                dst.append(slice(i0, i0 + length))
                src.append(slice(u0, u0 + length))
            if any(s.stop <= s.start for s in dst):
                continue
            if stacked:
                tap_products = xp.reshape(prod[index * o:(index + 1) * o, :],
                                          (o,) + spatial + (nbc,))
            else:
                _matmul_into(xp, w_each[:, index, :], flat, prod)
                tap_products = xp.reshape(prod, (o,) + spatial + (nbc,))
            y[(slice(None),) + tuple(dst) + (slice(None),)] += \
                tap_products[(slice(None),) + tuple(src) + (slice(None),)]
        out[b0:b0 + nbc, ...] = xp.permute_dims(y, (d + 1, 0) + tuple(range(1, d + 1)))


def _strategy(x, o: int, k: int, p: int, max_workspace: int, forward: bool = True) -> str:
    """"scatter" where the output has 1.6 times the input's positions or more (the heavy
    padding of an adjoint) and one image fits the workspace; "im2col" for few input channels,
    in one dimension, for a 2D forward where the padded grid has 1.5 times the output's
    positions or more (small maps), and elsewhere where the first axis has 1.75 times as many
    padded rows as output rows (the products "rows" forms in vain); "rows" otherwise.
    On NumPy, "im2col" becomes "direct" (a forward on images of ``_DIRECT_MIN_POSITIONS``
    padded positions or more) or else "stacked" (few stacked taps, ``_STACKED_MAX_K``, while
    one image fits the workspace). ``forward=False``: the weight gradient, which has neither a
    "scatter" nor a "direct" form."""
    base = _arrangement(x, o, k, p, max_workspace, forward)
    if base != "im2col" or not is_numpy_namespace(array_namespace(x)):
        return base
    if forward and _padded_positions(x, k, p) >= _DIRECT_MIN_POSITIONS:
        return "direct"
    stacked = k ** (x.ndim - 2) * x.shape[1] <= _STACKED_MAX_K
    return "stacked" if stacked and _stacked_bytes(x, o, k, p) <= max_workspace else base


def _arrangement(x, o: int, k: int, p: int, max_workspace: int, forward: bool) -> str:
    """``_strategy``'s choice between "scatter", "im2col" and "rows", on any library."""
    c_in = x.shape[1]
    spatial = tuple(x.shape[2:])
    d = len(spatial)
    out = [output_size(n, k, p) for n in spatial]
    positions, outputs = math.prod(spatial), math.prod(out)
    if forward and outputs >= _MAX_GROWTH * positions:
        scatter = _scatter_bytes(x, o, k, outputs)
        # within the budget; or beyond it, where im2col's least chunk (one output slab and
        # its k^d C taps) is larger still: a smaller budget must not cost more memory
        if scatter <= max(max_workspace, _im2col_slab_bytes(x, o, k, p)):
            return "scatter"
    if d == 1 or k**d * c_in <= _IM2COL_MAX_K:
        return "im2col"
    if d == 2 and forward:
        grid = (out[0] + k - 1) * (spatial[1] + 2 * p) / max(outputs, 1)
        return "im2col" if grid >= _MAX_WASTE else "rows"
    return "im2col" if (out[0] + k - 1) / out[0] >= _MAX_ROWS_WASTE else "rows"


def _im2col_slab_bytes(x, o: int, k: int, p: int) -> int:
    """Workspace of im2col's least chunk, one output slab of one image (``_blocks``): its
    k input slabs, and its positions' taps and products."""
    c_in, spatial = x.shape[1], tuple(x.shape[2:])
    d = len(spatial)
    itemsize = array_namespace(x).finfo(x.dtype).bits // 8
    rest = math.prod(n + 2 * p for n in spatial[1:])
    return itemsize * (c_in * k * rest + (_im2col_extra(k, d, c_in) + o) * rest)


def _stacked_bytes(x, o: int, k: int, p: int) -> int:
    """Workspace of one image in the "stacked" strategy: its padded copy, its k^d C taps at
    every output position, and (the weight gradient) its (O, k^d C) products and a copy of its
    dy (O, N) where dy is not contiguous."""
    c_in, spatial = x.shape[1], tuple(x.shape[2:])
    d = len(spatial)
    itemsize = array_namespace(x).finfo(x.dtype).bits // 8
    padded = math.prod(n + 2 * p for n in spatial)
    outputs = math.prod(output_size(n, k, p) for n in spatial)
    return itemsize * (c_in * padded + k**d * c_in * (outputs + o) + o * outputs)


def _rows_min_slabs(strategy: str, k: int) -> int:
    """The fewest output slabs of a chunk along the first axis: "rows" forms the products of
    its k - 1 extra input slabs too, a waste of (slabs + k - 1) / slabs."""
    return _ROWS_SLABS_PER_TAP * (k - 1) if strategy == "rows" else 1


def _padded_positions(x, k: int, p: int) -> int:
    """Positions of one zero-padded image, as the chunks count them (output rows + k - 1)."""
    spatial = tuple(x.shape[2:])
    return (output_size(spatial[0], k, p) + k - 1) * math.prod(n + 2 * p for n in spatial[1:])


def _scatter_bytes(x, o: int, k: int, out_positions: int) -> int:
    """Workspace of one image in the "scatter" strategy: input, one tap's products, output
    (all taps' products only while they fit ``_CACHE_BYTES``)."""
    c_in = x.shape[1]
    positions = math.prod(x.shape[2:])
    itemsize = array_namespace(x).finfo(x.dtype).bits // 8
    return itemsize * (positions * (c_in + o) + out_positions * o)


def _rows_grid(block, chunk: tuple[int, ...]) -> tuple[int, ...]:
    """(C, padded first axis, *output positions of the other axes, images): the grid of
    "rows"."""
    return (block.shape[0], block.shape[1]) + tuple(chunk[1:]) + (block.shape[-1],)


def _plane_taps(xp, ws: Workspace, block, k: int, chunk: tuple[int, ...], name: str = "cols"):
    """cols[(a_2, ..., a_d, c), (i, j, b)] = block[c, i, j + (a_2, ..., a_d), b] for the output
    positions j of the axes after the first: their k^(d-1) taps on the grid of ``_rows_grid``,
    (k^(d-1) C, N), in the workspace's buffer ``name``; a tap a of the first axis is then the
    view cols[:, a * row:], row the flat stride of that axis."""
    d = len(chunk)
    grid = _rows_grid(block, chunk)
    cols = ws.buffer(xp, name, (k,) * (d - 1) + grid, block.dtype, block)
    for taps in itertools.product(range(k), repeat=d - 1):
        window = tuple(slice(a, a + m) for a, m in zip(taps, chunk[1:]))
        cols[taps + (Ellipsis,)] = block[(slice(None), slice(None)) + window + (slice(None),)]
    return xp.reshape(cols, (k ** (d - 1) * grid[0], math.prod(grid[1:])))


def _chunk_shape(batch: int, o1: int, k: int, rest: int, columns: int, budget: int,
                 min_slabs: int = 1) -> tuple[int, int]:
    """(images, output slabs) per chunk of about ``columns`` flat positions: whole images while
    one fits, else slabs of the first axis: at least ``min_slabs`` output slabs (k - 1 more
    input slabs) while the ``budget`` of columns allows, and always at least one."""
    per_image = (o1 + k - 1) * rest
    if per_image <= columns:
        return min(batch, columns // per_image), o1
    slabs = min(max(min_slabs, columns // rest - (k - 1)), budget // rest - (k - 1))
    return 1, max(1, min(o1, slabs))


def _even_split(total: int, most: int):
    """(start, length) of ceil(total / most) nearly equal parts of at most ``most`` each (none
    of nothing)."""
    if total <= 0:
        return
    parts = -(-total // most)
    base, extra = divmod(total, parts)
    start = 0
    for i in range(parts):
        length = base + (1 if i < extra else 0)
        yield start, length
        start += length


def _matmul_into(xp, a, b, out) -> None:
    """out = a @ b, written into ``out`` where the library can (NumPy, CuPy, PyTorch)."""
    if is_numpy_namespace(xp) or is_cupy_namespace(xp) or is_torch_namespace(xp):
        native = __import__("cupy" if is_cupy_namespace(xp) else
                            "torch" if is_torch_namespace(xp) else "numpy")
        native.matmul(a, b, out=out)
    else:
        out[...] = a @ b
