"""The correlation engine: one standard multi-channel 2D cross-correlation, as matrix products.

    y[b, o, i, j] = sum_{c, a, a'} x_pad[b, c, i + a, j + a'] w[o, a, a', c]

Every group layer reduces to this call once its filter bank is expanded (C_out * S output and
C_in * S input channels). A chunk of images is laid out (C, rows, W_pad, images) and flattened,
so that moving the window by (a, a') is moving a flat view by (a W_pad + a') * images: the taps
become column blocks of one matrix, copied in long contiguous runs, and the work is a few large
GEMMs. Three ways of arranging them, chosen by the shapes (``_strategy``):

- ``"im2col"``: all k * k taps stacked, one GEMM with K = k^2 C (few input channels: lifting;
  small maps, where padded rows would be mostly waste);
- ``"rows"``: the k column taps stacked, one GEMM with K = k C and k * O rows (one per row tap),
  then k - 1 shifted in-place additions (wide layers on larger maps);
- ``"scatter"``: when the output is much larger than the input (the heavy padding of an
  adjoint), the transposed correlation: GEMMs over the input positions only (all taps at once
  on small maps, tap by tap on larger ones), added into place, so that no product with a
  padding zero is computed.

Work is done in chunks of whole images, or of image rows, of about ``TARGET_COLUMNS`` output
positions (more on a GPU, where each chunk is a kernel launch), and the temporary arrays never
exceed ``max_workspace`` bytes. They live in a ``Workspace`` that a caller (a layer) keeps and
passes again, so that repeated calls reuse the same memory instead of paying for fresh pages
every time. A call without one uses its thread's pooled workspace, which is kept between calls
while it holds at most ``POOL_LIMIT`` bytes; ``release_memory()`` frees it.

Written against the Python array API standard (through array-api-compat): NumPy, CuPy and
array-api-strict arrays run this code; PyTorch and JAX arrays go to their library's own
convolution (``groupconv.fast.native``).
"""

from __future__ import annotations

import threading
from typing import Any

from array_api_compat import (
    array_namespace, device, is_cupy_namespace, is_numpy_namespace, is_torch_namespace,
)

from ..modes import check_size, output_size, padding_of
from .native import native_for

__all__ = ["correlate2d", "weight_gradient", "adjoint_weights", "Workspace",
           "DEFAULT_MAX_WORKSPACE", "POOL_LIMIT", "release_memory"]

#: Default bound on the engine's temporary arrays, in bytes (256 MiB).
DEFAULT_MAX_WORKSPACE = 256 * 2**20

#: Output positions per chunk: large enough for efficient GEMMs, small enough to stay cheap in
#: memory (measured with benchmarks/bench_layers.py; see benchmarks/README.md).
TARGET_COLUMNS = 8192
#: The same on a GPU (CuPy): a chunk is a few kernel launches, so chunks are as large as the
#: workspace allows, up to this (design value; not measured here, no GPU was available).
GPU_TARGET_COLUMNS = 2**20

#: Largest pooled workspace kept between calls that pass no Workspace, per thread (bytes).
POOL_LIMIT = 256 * 2**20
#: The per-thread pool: the module's only state besides read-only caches (see release_memory).
_POOL = threading.local()

_IM2COL_MAX_K = 160  # stack all k^2 taps while k^2 C stays below this (measured: bench_layers)
_MAX_WASTE = 1.5     # ... or when "rows" would compute 1.5x the output positions, or more
_MAX_GROWTH = 1.5    # outputs with 1.5x the input's positions, or more: the transposed form
_CACHE_BYTES = 2**20  # "scatter": all taps' products in one GEMM up to this size (measured)


class Workspace:
    """Scratch memory for ``correlate2d``, reused from call to call.

    Keep one per layer (or per thread) and pass it to every call: buffers grow to the largest
    size needed and are then reused. Not thread-safe; it holds its memory until dropped.
    """

    def __init__(self) -> None:
        self._buffers: dict[tuple, Any] = {}

    def buffer(self, xp, name: str, shape: tuple[int, ...], dtype, like) -> Any:
        """An array of ``shape`` backed by the buffer ``name`` (contents unspecified)."""
        size = 1
        for n in shape:
            size *= n
        key = (name, str(dtype), str(device(like)), id(xp))
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
    """Free this thread's pooled scratch memory (used by calls that pass no Workspace);
    returns the number of bytes released."""
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


def correlate2d(x: Any, w: Any, mode: str | int = "valid", *,
                max_workspace: int = DEFAULT_MAX_WORKSPACE,
                workspace: Workspace | None = None) -> Any:
    """Cross-correlate x (B, C, H, W) with w (O, k, k, C) (taps before channels): (B, O, H', W').

    ``mode``: "valid", "same" (zero padding k // 2 on each side), "full" (k - 1), or the
    padding itself, an int in 0..k-1.
    """
    xp = array_namespace(x, w)
    batch, c_in, h, wd = x.shape
    o, k, k2, c_w = w.shape
    if k != k2 or c_w != c_in:
        raise ValueError(f"weights must have shape (O, k, k, {c_in}), got {tuple(w.shape)}")
    p = padding_of(mode, k)
    ho, wo = check_size(h, wd, k, p)
    native = native_for(xp)
    if native is not None:
        return native.correlate(x, w, p)
    out = xp.empty((batch, o, ho, wo), dtype=x.dtype, device=device(x))
    if batch == 0:
        return out
    ws = _pooled(workspace)
    strategy = _strategy(x, o, k, p, max_workspace)
    if strategy == "scatter":
        _scatter(xp, ws, x, w, p, out, max_workspace)
        _trim_pool()
        return out
    taps = k * k if strategy == "im2col" else k
    rows_out = o if strategy == "im2col" else k * o
    for b0, nb, r0, rows, block in _blocks(xp, ws, x, k, p, taps * c_in + rows_out,
                                            max_workspace):
        if strategy == "im2col":
            y = _im2col_block(xp, ws, block, w, rows, wo)
        else:
            y = _rows_block(xp, ws, block, w, wo)
        out[b0:b0 + nb, :, r0:r0 + rows, :] = xp.permute_dims(y[:, :rows, ...], (3, 0, 1, 2))
    _trim_pool()
    return out


def adjoint_weights(w: Any) -> Any:
    """The weights of the adjoint correlation: (O, k, k, C) -> (C, k, k, O), taps reversed.

    If y = correlate2d(x, w, p) then the gradient of <y, dy> with respect to x is
    correlate2d(dy, adjoint_weights(w), k - 1 - p).
    """
    xp = array_namespace(w)
    return xp.flip(xp.permute_dims(w, (3, 1, 2, 0)), axis=(1, 2))


def weight_gradient(x: Any, dy: Any, k: int, mode: str | int = "valid", *,
                    max_workspace: int = DEFAULT_MAX_WORKSPACE,
                    workspace: Workspace | None = None) -> Any:
    """Gradient of <correlate2d(x, w, mode), dy> with respect to w (O, k, k, C):

        dw[o, a, a', c] = sum_{b, i, j} dy[b, o, i, j] x_pad[b, c, i + a, j + a'],

    one GEMM dy (O, N) @ cols(x)^T (N, k^2 C) per chunk of output positions.
    """
    xp = array_namespace(x, dy)
    batch, c_in, h, wd = x.shape
    o = dy.shape[1]
    p = padding_of(mode, k)
    ho, wo = check_size(h, wd, k, p)
    if tuple(dy.shape) != (batch, o, ho, wo):
        raise ValueError(f"dy must have shape {(batch, o, ho, wo)}, got {tuple(dy.shape)}")
    native = native_for(xp)
    if native is not None:
        return native.weight_gradient(x, dy, k, p)
    ws = _pooled(workspace)
    wp = wd + 2 * p
    strategy = "rows" if _strategy(x, o, k, p, max_workspace, scatter=False) == "rows" \
        else "im2col"
    grad = xp.zeros((o, k, k * c_in), dtype=x.dtype, device=device(x))
    extra = k * k * c_in + o if strategy == "im2col" else k * c_in + o
    for b0, nb, r0, rows, block in _blocks(xp, ws, x, k, p, extra, max_workspace):
        dy_chunk = xp.permute_dims(dy[b0:b0 + nb, :, r0:r0 + rows, :], (1, 2, 3, 0))
        if strategy == "im2col":
            cols = _stack_taps(xp, ws, block, k, rows, wo)
            n = rows * wo * nb
            dyc = ws.buffer(xp, "dy", (o, rows, wo, nb), x.dtype, x)
            dyc[...] = dy_chunk
            grad += xp.reshape(xp.reshape(dyc, (o, n)) @ xp.reshape(cols, (k * k * c_in, n)).T,
                               (o, k, k * c_in))
        else:
            # dy on the padded grid (zero where no output is), against the k column taps of the
            # flat block shifted by whole rows: one GEMM per row tap, no further copies
            lb = rows + k - 1
            n = lb * wp * nb
            dyc = ws.buffer(xp, "dy", (o, lb, wp, nb), x.dtype, x)
            dyc[...] = 0
            dyc[:, :rows, :wo, :] = dy_chunk
            dy_flat = xp.reshape(dyc, (o, n))
            cols = _column_taps(xp, ws, block, k)
            for a in range(k):
                off = a * wp * nb
                grad[:, a, :] += dy_flat[:, :n - off] @ cols[:, off:].T
    _trim_pool()
    return xp.reshape(grad, (o, k, k, c_in))


def _blocks(xp, ws: Workspace, x, k: int, p: int, extra_per_column: int, max_workspace: int):
    """Chunks of the zero-padded input, laid out (C, rows, W_pad, images): images innermost,
    so that every tap of a chunk is one long contiguous run and a shift of the window by
    (a, a') is a shift of the flat block by (a W_pad + a') * images.

    Yields (first image, images, first output row, output rows, block); chunks hold about
    TARGET_COLUMNS output positions and at most ``max_workspace`` bytes with the engine's other
    buffers (``extra_per_column`` values per position), nearly equal in size.
    """
    batch, c_in, h, wd = x.shape
    ho, wp = output_size(h, k, p), wd + 2 * p
    per_column = (xp.finfo(x.dtype).bits // 8) * (c_in + extra_per_column)
    budget = max(1, int(max_workspace) // per_column)
    target = GPU_TARGET_COLUMNS if is_cupy_namespace(xp) else TARGET_COLUMNS
    nb, rows = _chunk_shape(batch, ho, k, wp, min(budget, target))
    for b0, nbc in _even_split(batch, nb):
        for r0, rc in _even_split(ho, rows):
            block = ws.buffer(xp, "block", (c_in, rc + k - 1, wp, nbc), x.dtype, x)
            top = r0 - p
            lo, hi = max(top, 0), min(top + rc + k - 1, h)
            block[...] = 0
            if hi > lo:
                block[:, lo - top:hi - top, p:p + wd, :] = xp.permute_dims(
                    x[b0:b0 + nbc, :, lo:hi, :], (1, 2, 3, 0))
            yield b0, nbc, r0, rc, block


def _im2col_block(xp, ws: Workspace, block, w, rows: int, wo: int):
    """All k^2 taps of the valid positions stacked (k^2 C, N): one GEMM. (O, rows, wo, images)"""
    c_in, nb = block.shape[0], block.shape[3]
    o, k = w.shape[0], w.shape[1]
    cols = _stack_taps(xp, ws, block, k, rows, wo)
    n = rows * wo * nb
    prod = ws.buffer(xp, "products", (o, n), block.dtype, block)
    _matmul_into(xp, xp.reshape(w, (o, k * k * c_in)), xp.reshape(cols, (k * k * c_in, n)), prod)
    return xp.reshape(prod, (o, rows, wo, nb))


def _stack_taps(xp, ws: Workspace, block, k: int, rows: int, wo: int):
    """cols[a, a', c, r, j, i] = block[c, r + a, j + a', i]: every tap of every valid position."""
    c_in, nb = block.shape[0], block.shape[3]
    cols = ws.buffer(xp, "cols", (k, k, c_in, rows, wo, nb), block.dtype, block)
    for a in range(k):
        for b in range(k):
            cols[a, b, ...] = block[:, a:a + rows, b:b + wo, :]
    return cols


def _rows_block(xp, ws: Workspace, block, w, wo: int):
    """The k column taps stacked on the flat padded block (k C, N): one GEMM with the k row taps
    as k blocks of O rows, then the row taps added in place, shifted by whole padded rows.
    Returns (O, rows + k - 1, wo, images), of which the first ``rows`` rows are the output."""
    c_in, lb, wp, nb = block.shape
    o, k = w.shape[0], w.shape[1]
    n = lb * wp * nb
    cols = _column_taps(xp, ws, block, k)
    w_rows = xp.reshape(xp.permute_dims(xp.reshape(w, (o, k, k * c_in)), (1, 0, 2)),
                        (k * o, k * c_in))
    prod = ws.buffer(xp, "products", (k * o, n), block.dtype, block)
    _matmul_into(xp, w_rows, cols, prod)
    y = prod[:o, :]
    for a in range(1, k):
        off = a * wp * nb
        y[:, :n - off] += prod[a * o:(a + 1) * o, off:]
    return xp.reshape(y, (o, lb, wp, nb))[:, :, :wo, :]


def _scatter(xp, ws: Workspace, x, w, p: int, out, max_workspace: int) -> None:
    """Outputs larger than inputs (heavy padding: the adjoint of a "valid" layer): the
    transposed correlation over the input positions only,

        y[o, u + p - a, v + p - a'] += sum_c w[o, a, a', c] x[c, u, v]    for every tap (a, a'),

    products formed by GEMM and added into place (col2im): no product with a padding zero is
    formed. The products of all taps come from one GEMM while they fit in a cache
    (``_CACHE_BYTES``: small maps, where loop overhead counts), else tap by tap, so that each
    product stays in the cache before it is added."""
    batch, c_in, h, wd = x.shape
    o, k = w.shape[0], w.shape[1]
    ho, wo = out.shape[2], out.shape[3]
    itemsize = xp.finfo(x.dtype).bits // 8
    per_image = _scatter_bytes(x, o, k, ho * wo)
    nb = max(1, min(batch, int(max_workspace) // per_image, max(1, TARGET_COLUMNS // (h * wd))))
    stacked = itemsize * k * k * o * h * wd * nb <= _CACHE_BYTES
    taps = 1 if not stacked else k * k
    w_taps = xp.reshape(xp.permute_dims(w, (1, 2, 0, 3)), (k * k * o, c_in))
    for b0, nbc in _even_split(batch, nb):
        xs = ws.buffer(xp, "block", (c_in, h, wd, nbc), x.dtype, x)
        xs[...] = xp.permute_dims(x[b0:b0 + nbc, ...], (1, 2, 3, 0))
        flat = xp.reshape(xs, (c_in, h * wd * nbc))
        prod = ws.buffer(xp, "products", (taps * o, h * wd * nbc), x.dtype, x)
        if stacked:
            _matmul_into(xp, w_taps, flat, prod)
        y = ws.buffer(xp, "cols", (o, ho, wo, nbc), x.dtype, x)
        y[...] = 0
        for a in range(k):
            i0, u0 = max(p - a, 0), max(a - p, 0)      # output row u + p - a for input row u
            rows = min(ho - i0, h - u0)
            for b in range(k):
                j0, v0 = max(p - b, 0), max(b - p, 0)
                cols = min(wo - j0, wd - v0)
                if rows <= 0 or cols <= 0:
                    continue
                if stacked:
                    row = (a * k + b) * o
                    tap = xp.reshape(prod[row:row + o, :], (o, h, wd, nbc))
                else:
                    _matmul_into(xp, w[:, a, b, :], flat, prod)
                    tap = xp.reshape(prod, (o, h, wd, nbc))
                y[:, i0:i0 + rows, j0:j0 + cols, :] += tap[:, u0:u0 + rows, v0:v0 + cols, :]
        out[b0:b0 + nbc, ...] = xp.permute_dims(y, (3, 0, 1, 2))


def _strategy(x, o: int, k: int, p: int, max_workspace: int, scatter: bool = True) -> str:
    """"scatter" where the output has 1.5 times the input's positions or more (the heavy
    padding of an adjoint) and one image fits the workspace; "im2col" for few input channels,
    or where padded rows would make "rows" compute 1.5 times the output or more (small maps);
    "rows" otherwise (wide layers on larger maps)."""
    batch, c_in, h, wd = x.shape
    ho, wo, wp = output_size(h, k, p), output_size(wd, k, p), wd + 2 * p
    if scatter and ho * wo >= _MAX_GROWTH * h * wd and \
            _scatter_bytes(x, o, k, ho * wo) <= max_workspace:
        return "scatter"
    waste = (ho + k - 1) * wp / (ho * wo)
    return "im2col" if k * k * c_in <= _IM2COL_MAX_K or waste >= _MAX_WASTE else "rows"


def _scatter_bytes(x, o: int, k: int, out_positions: int) -> int:
    """Workspace of one image in the "scatter" strategy: input, one tap's products, output
    (all taps' products only while they fit ``_CACHE_BYTES``)."""
    c_in, h, wd = x.shape[1], x.shape[2], x.shape[3]
    itemsize = array_namespace(x).finfo(x.dtype).bits // 8
    return itemsize * (h * wd * (c_in + o) + out_positions * o)


def _column_taps(xp, ws: Workspace, block, k: int):
    """cols[(a', c), n] = flat_block[c, n + a' * images]: the k column taps of the flat padded
    block, (k C, N); a row tap a is then the view cols[:, a * W_pad * images:]."""
    c_in, lb, wp, nb = block.shape
    n = lb * wp * nb
    flat = xp.reshape(block, (c_in, n))
    cols = ws.buffer(xp, "cols", (k, c_in, n), block.dtype, block)
    for b in range(k):
        off = b * nb
        cols[b, :, :n - off] = flat[:, off:]
        cols[b, :, n - off:] = 0
    return xp.reshape(cols, (k * c_in, n))


def _chunk_shape(batch: int, ho: int, k: int, wp: int, columns: int) -> tuple[int, int]:
    """(images, output rows) per chunk of about ``columns`` flat positions: whole images while
    one fits, else bands of rows (at least one output row, i.e. k input rows)."""
    per_image = (ho + k - 1) * wp
    if per_image <= columns:
        return min(batch, columns // per_image), ho
    return 1, max(1, min(ho, columns // wp - (k - 1)))


def _even_split(total: int, most: int):
    """(start, length) of ceil(total / most) nearly equal parts of at most ``most`` each."""
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
