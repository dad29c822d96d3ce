"""The correlation engine: one standard multi-channel 2D cross-correlation, as matrix products.

    y[b, o, i, j] = sum_{c, a, a'} x_pad[b, c, i + a, j + a'] w[o, a, a', c]

Every group layer reduces to this call once its filter bank is expanded (C_out * S output and
C_in * S input channels). Images are laid out channel-first and flattened, so that moving the
window by (a, a') is moving a flat view by a * W_pad + a': the taps become column blocks of one
matrix and the work is a few large GEMMs. Two ways of stacking the taps, chosen by size:

- ``"im2col"``: all k * k taps stacked, one GEMM with K = k^2 C (few input channels: lifting);
- ``"rows"``: the k column taps stacked, one GEMM with K = k C and k * O rows (one per row tap),
  then k - 1 shifted in-place additions (wide layers).

Work is done in chunks of whole images, or of image rows, of about ``TARGET_COLUMNS`` output
positions, and the temporary arrays never exceed ``max_workspace`` bytes. They live in a
``Workspace`` that a caller (a layer) keeps and passes again, so that repeated calls reuse the
same memory instead of paying for fresh pages every time.

Written against the Python array API standard (through array-api-compat): NumPy, CuPy, PyTorch
and array-api-strict arrays all run this code.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import (
    array_namespace, device, is_cupy_namespace, is_numpy_namespace, is_torch_namespace,
)

__all__ = ["correlate2d", "Workspace", "DEFAULT_MAX_WORKSPACE", "PADDING", "output_size"]

#: Default bound on the engine's temporary arrays, in bytes (256 MiB).
DEFAULT_MAX_WORKSPACE = 256 * 2**20

#: Output positions per chunk: large enough for efficient GEMMs, small enough to stay cheap in
#: memory (measured with benchmarks/bench_layers.py; see benchmarks/README.md).
TARGET_COLUMNS = 8192

#: Zero padding on each side in each mode, for a kernel of size k.
PADDING = {"valid": lambda k: 0, "same": lambda k: k // 2, "full": lambda k: k - 1}

_IM2COL_MAX_K = 512  # stack all k^2 taps while k^2 C stays below this (measured, see above)


def output_size(n: int, k: int, mode: str) -> int:
    """Output length along one axis: n + 2 p - k + 1, p the padding of ``mode``."""
    return n + 2 * PADDING[mode](k) - k + 1


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


def correlate2d(x: Any, w: Any, mode: str = "valid", *,
                max_workspace: int = DEFAULT_MAX_WORKSPACE,
                workspace: Workspace | None = None) -> Any:
    """Cross-correlate x (B, C, H, W) with w (O, k, k, C) (taps before channels): (B, O, H', W').

    ``mode``: "valid", "same" (zero padding k // 2 on each side) or "full" (k - 1).
    """
    xp = array_namespace(x, w)
    batch, c_in, h, wd = x.shape
    o, k, k2, c_w = w.shape
    if k != k2 or c_w != c_in:
        raise ValueError(f"weights must have shape (O, k, k, {c_in}), got {tuple(w.shape)}")
    if mode not in PADDING:
        raise ValueError(f"mode must be 'valid', 'same' or 'full', got {mode!r}")
    p = PADDING[mode](k)
    ho, wo, wp = h + 2 * p - k + 1, wd + 2 * p - k + 1, wd + 2 * p
    if ho < 1 or wo < 1:
        raise ValueError(f"a {k}x{k} kernel in mode {mode!r} needs an input of at least "
                         f"{k - 2 * p}x{k - 2 * p} pixels, got {h}x{wd}")
    ws = workspace if workspace is not None else Workspace()
    out = xp.empty((batch, o, ho, wo), dtype=x.dtype, device=device(x))
    if batch == 0:
        return out
    strategy = "im2col" if k * k * c_in <= _IM2COL_MAX_K else "rows"
    taps = k * k if strategy == "im2col" else k
    rows_out = o if strategy == "im2col" else k * o
    itemsize = xp.finfo(x.dtype).bits // 8
    per_column = itemsize * (c_in + taps * c_in + rows_out)  # block + stacked taps + products
    budget = max(1, int(max_workspace) // per_column)
    nb, rows = _chunk_shape(batch, ho, k, wp, min(budget, TARGET_COLUMNS))
    for b0, nbc in _even_split(batch, nb):
        for r0, rc in _even_split(ho, rows):
            block = ws.buffer(xp, "block", (c_in, nbc, rc + k - 1, wp), x.dtype, x)
            _fill_block(xp, block, x, b0, r0, p)
            if strategy == "im2col":
                y = _im2col_block(xp, ws, block, w, rc, wo)
            else:
                y = _rows_block(xp, ws, block, w, wo)
            out[b0:b0 + nbc, :, r0:r0 + rc, :] = xp.permute_dims(y[:, :, :rc, :], (1, 0, 2, 3))
    return out


def _im2col_block(xp, ws: Workspace, block, w, rows: int, wo: int):
    """All k^2 taps of the valid positions stacked (k^2 C, N): one GEMM. (O, images, rows, wo)"""
    c_in, nb = block.shape[0], block.shape[1]
    o, k = w.shape[0], w.shape[1]
    cols = ws.buffer(xp, "cols", (k, k, c_in, nb, rows, wo), block.dtype, block)
    for a in range(k):
        for b in range(k):
            cols[a, b, ...] = block[:, :, a:a + rows, b:b + wo]
    n = nb * rows * wo
    prod = ws.buffer(xp, "products", (o, n), block.dtype, block)
    _matmul_into(xp, xp.reshape(w, (o, k * k * c_in)), xp.reshape(cols, (k * k * c_in, n)), prod)
    return xp.reshape(prod, (o, nb, rows, wo))


def _rows_block(xp, ws: Workspace, block, w, wo: int):
    """The k column taps stacked on the flat padded rows (k C, N): one GEMM with the k row taps
    as k blocks of O rows, then the row taps added in place, shifted by whole rows."""
    c_in, nb, lb, wp = block.shape
    o, k = w.shape[0], w.shape[1]
    n = nb * lb * wp
    flat = xp.reshape(block, (c_in, n))
    cols = ws.buffer(xp, "cols", (k, c_in, n), block.dtype, block)
    for b in range(k):
        cols[b, :, :n - b] = flat[:, b:]
        cols[b, :, n - b:] = 0
    w_rows = xp.reshape(xp.permute_dims(xp.reshape(w, (o, k, k * c_in)), (1, 0, 2)),
                        (k * o, k * c_in))
    prod = ws.buffer(xp, "products", (k * o, n), block.dtype, block)
    _matmul_into(xp, w_rows, xp.reshape(cols, (k * c_in, n)), prod)
    y = prod[:o, :]
    for a in range(1, k):
        off = a * wp
        y[:, :n - off] += prod[a * o:(a + 1) * o, off:]
    return xp.reshape(y, (o, nb, lb, wp))[:, :, :, :wo]


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


def _fill_block(xp, block, x, b0: int, r0: int, p: int) -> None:
    """block[c, i, r, j] = x_pad[b0 + i, c, r0 + r, j]: rows of the zero-padded images."""
    c_in, nb, lb, wp = block.shape
    h, wd = x.shape[2], x.shape[3]
    top = r0 - p
    lo, hi = max(top, 0), min(top + lb, h)
    block[...] = 0
    if hi > lo:
        block[:, :, lo - top:hi - top, p:p + wd] = xp.permute_dims(x[b0:b0 + nb, :, lo:hi, :],
                                                                   (1, 0, 2, 3))


def _matmul_into(xp, a, b, out) -> None:
    """out = a @ b, written into ``out`` where the library can (NumPy, CuPy, PyTorch)."""
    if is_numpy_namespace(xp) or is_cupy_namespace(xp) or is_torch_namespace(xp):
        native = __import__("cupy" if is_cupy_namespace(xp) else
                            "torch" if is_torch_namespace(xp) else "numpy")
        native.matmul(a, b, out=out)
    else:
        out[...] = a @ b
