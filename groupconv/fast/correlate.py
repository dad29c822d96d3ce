"""The one array-level correlation path, with its adjoint and weight gradient; and the public
lifting correlation, group correlation and group convolution of every group, in any dimension.

Every array-level layer is a bank expansion (``groupconv.fast.banks``) followed by one standard
d-dimensional correlation (``groupconv.fast.engine``). This module is the only place that puts
the two together, for every caller: the public functions below and every nn layer, forwards and
backwards. With B the batch, p the padding and K the expanded kernel size:

    forward          y = correlate(x, expand(w), p)                    (B, C_out S_out, *n')
    input gradient   dx = correlate(dy, flip(expand(w))^T, K - 1 - p)   (the adjoint)
    weight gradient  dw = adjoint(sum_b x_pad ⋆ dy)                     (bank^T of the taps)

Layouts (docs/conventions.md), d the group's dimension: x (..., C_in, *n) on Z^d or
(..., C_in, S_in, *n) on G; w (C_out, C_in, *k^d) or (C_out, C_in, J, *k^d); output
(..., C_out, S_out, *n'). On the hexagonal lattice (p3, p3m1, p31m, p6, p6m; axial coordinates)
arrays are square of odd side and only the hexagon about their centre holds the function: x's
other cells are ignored, the output's are zero, and kernels are hexagons of k x k arrays (k odd).

The public functions take ``mode`` "valid", "same" (zero padding k // 2 on each side), "full"
(k - 1), or the padding p itself (an int in 0..k-1), so n' = n + 2 p - k + 1 on every axis;
rotations and mirrors act about the centre of every array. ``method="fast"`` (the default) runs
the path above in the array library of the input; ``method="literal"`` evaluates the same array
entry by entry through the literal sums (``groupconv.literal``: the ground truth; slow, NumPy,
float64 internally, returned in the input's dtype and library).
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_dask_array, is_numpy_namespace
from array_api_compat import device as array_device

from ..arguments import choice, other_names, plain_array, warn
from ..groups import AffineGroup, Kind, SemidirectProduct, get_group
from ..literal import arrays as literal_arrays
from ..literal import sampled as literal_sampled
from ..modes import check_size, padding_of
from . import engine
from .backend import from_numpy, on_device, physical_memory, to_numpy
from .banks import Bank, bank_for
from .engine import DEFAULT_MAX_WORKSPACE, Workspace
from .validation import as_float, check_inputs

__all__ = ["lifting_correlation", "group_correlation", "group_convolution", "correlate",
           "correlate_literal", "forward", "backward", "check_dy", "padding_for", "METHODS"]

METHODS = ("fast", "literal")


# ------------------------------------------------------------------ the one path
def padding_for(mode: str | int, bank: Bank, k: int, op: str = "correlate") -> int:
    """The padding p of ``mode`` for k^d weights on ``bank`` (modes refer to the expanded
    kernel size K = ``bank.kernel_size(k)``)."""
    try:
        return padding_of(mode, bank.kernel_size(k))
    except ValueError as error:
        raise ValueError(f"{op}: {error}") from None


def _sizes(bank: Bank, x: Any, k: int, p: int, op: str) -> tuple[int, ...]:
    """The output's spatial shape, with the error naming the operation."""
    d = bank.group.dim
    spatial = tuple(x.shape[x.ndim - d:])
    try:
        return check_size(spatial, bank.kernel_size(k), p)
    except ValueError as error:
        flat = d > 1 and spatial[0] == 1 and min(spatial[1:]) >= bank.kernel_size(k) - 2 * p
        hint = (f" (a {d - 1}D array read as one slice? {bank.group.name} acts on Z^{d}: for "
                f"{d - 1}D data use a group on Z^{d - 1})" if flat else "")
        size = bank.kernel_size(k)
        if size != k:       # a sampled group: its operators spread the kernel
            hint += (f" ({bank.group.name} spreads the k = {k} kernel over {size} pixels a "
                     f"side, its largest transformed copy)")
        raise ValueError(f"{op}: {error}{hint}") from None


def correlate(x: Any, w: Any, bank: Bank, mode: str | int = "valid", *,
              max_workspace: int = DEFAULT_MAX_WORKSPACE, workspace: Workspace | None = None,
              op: str = "correlate") -> Any:
    """y = x ⋆ expand(w) with the padding of ``mode``: x in the bank's input space ->
    (..., C_out, S_out, *n'), in the array library of x. A Dask array gives a lazy Dask
    array, computed chunk by chunk (see ``forward``)."""
    if is_dask_array(x):
        _check_engine_options(max_workspace, workspace, op)   # (each chunk has its own)
        return _dask(x, w, bank, mode, max_workspace, op)
    xp, x, w = check_inputs(x, w, bank, op)
    p = padding_for(mode, bank, w.shape[-1], op)
    return _forward(xp, x, w, bank, p, max_workspace, workspace, op)[0]


def correlate_literal(x: Any, w: Any, bank: Bank, mode: str | int, op: str = "correlate"
                      ) -> Any:
    """The array ``correlate`` gives, computed by the literal sums instead (the lattice sums of
    ``literal.arrays``, or the direct sums of a sampled group, ``literal.sampled``); the result
    comes back in x's library and dtype."""
    if is_dask_array(x):
        raise TypeError(f"{op}: method='literal' takes arrays in memory (NumPy, CuPy, PyTorch, "
                        f"JAX), not Dask arrays: the literal sums are for checking small cases; "
                        f"use method='fast' on Dask input")
    jax, torch = sys.modules.get("jax"), sys.modules.get("torch")
    for name, a in (("x", x), ("w", w)):
        if getattr(a, "requires_grad", False) is True and torch is not None and \
                torch.is_grad_enabled():                     # a torch tensor in autograd
            raise TypeError(f"{op}: method='literal' computes its sums in NumPy and gives no "
                            f"gradient, but {name} requires grad: use method='fast' for "
                            f"autograd, or pass {name}.detach()")
        if jax is not None and isinstance(a, jax.core.Tracer):
            raise TypeError(f"{op}: method='literal' computes its sums in NumPy on concrete "
                            f"values, but {name} is a JAX tracer (inside jax.jit, grad or "
                            f"vmap): use method='fast' there")
    xp, x, w = check_inputs(x, w, bank, op)
    p = padding_for(mode, bank, w.shape[-1], op)
    space, d = bank.input_space, bank.group.dim
    core = space.core + 1
    lead = tuple(x.shape[:x.ndim - core])
    spatial, k = tuple(x.shape[x.ndim - d:]), w.shape[-1]
    _sizes(bank, x, k, p, op)
    xn = to_numpy(x).astype(np.float64).reshape((-1, x.shape[-core], space.samples) + spatial)
    wn = to_numpy(w).astype(np.float64).reshape(
        (w.shape[0], w.shape[1], bank.weight_extent or 1) + (k,) * d)
    if isinstance(bank.group, SemidirectProduct):
        out = literal_arrays.array_correlation(xn, wn, bank.group, p, bank.kind)
    else:
        out = literal_sampled.correlation(xn, wn, bank.group, p, bank.kind)
    return xp.reshape(from_numpy(out, x), lead + tuple(out.shape[1:]))


def forward(x: Any, w: Any, bank: Bank, padding: int, *,
            max_workspace: int = DEFAULT_MAX_WORKSPACE, workspace: Workspace | None = None,
            op: str = "correlate") -> tuple[Any, tuple]:
    """``correlate``, and what ``backward`` needs (the flat input and the expanded bank).

    A Dask array x gives a lazy Dask array: each block goes through the engine in NumPy, chunked
    along the leading (batch) axes and along space (each block reading a halo from its
    neighbours), so a layer runs over image sets and volumes larger than memory, or on a
    dask.distributed cluster. Nothing is saved for a backward pass then (None)."""
    if is_dask_array(x):
        _check_engine_options(max_workspace, workspace, op)   # (each chunk has its own)
        return _dask(x, w, bank, padding, max_workspace, op), None
    xp, x, w = check_inputs(x, w, bank, op)
    return _forward(xp, x, w, bank, padding, max_workspace, workspace, op)


def _forward(xp, x, w, bank: Bank, padding: int, max_workspace, workspace, op):
    """``forward`` on checked arrays."""
    _check_engine_options(max_workspace, workspace, op)
    d = bank.group.dim
    out_shape = _sizes(bank, x, w.shape[-1], padding, op)
    core = bank.input_space.core + 1
    lead = tuple(x.shape[:x.ndim - core])
    spatial = tuple(x.shape[x.ndim - d:])
    _fits_memory(xp, lead + (w.shape[0], bank.output_space.samples) + out_shape, x.dtype, op,
                 x)
    flat = _on_domain(xp.reshape(x, (math.prod(lead), w.shape[1] * bank.input_space.samples)
                                 + spatial), bank)
    expanded = bank.expand(w)
    y = engine.correlate(flat, expanded, padding, max_workspace=max_workspace,
                         workspace=workspace)
    y = xp.reshape(_on_domain(y, bank), lead + (w.shape[0], bank.output_space.samples)
                   + out_shape)
    return y, (flat, expanded, tuple(x.shape), tuple(w.shape), padding)


#: Outputs of at most this many bytes fit any machine that runs NumPy: the memory is not
#: asked for them (asking reads the container's limit from a file: 30 us a call, a second in
#: verify's gradient checks)
_SMALL_OUTPUT = 2**26


def _fits_memory(xp, shape: tuple[int, ...], dtype: Any, op: str, x: Any) -> None:
    """A ValueError, before anything is allocated, for an output in this machine's memory
    (NumPy, or torch and JAX on the CPU) larger than that memory (where the system says how
    much it has): an allocation would fail deep inside, in the library's own words, or, where
    memory is overcommitted, succeed and leave the machine swapping."""
    size = math.prod(shape) * (xp.finfo(dtype).bits // 8)
    if size <= _SMALL_OUTPUT or not (is_numpy_namespace(xp) or _on_cpu(x)):
        return
    memory = physical_memory()
    if memory is not None and size > memory:
        raise ValueError(f"{op}: the output would have shape {shape}, {size / 2**30:,.1f} GiB, "
                         f"more than this machine's memory ({memory / 2**30:,.1f} GiB): give "
                         f"a smaller input or fewer channels, or x as a Dask array (chunked: "
                         f"computed chunk by chunk, the output written to disk)")


def _on_cpu(x: Any) -> bool:
    """Whether a torch tensor or a JAX array lives in the host's memory (False for a traced
    JAX value, whose device is not known, and for other libraries)."""
    try:
        where = array_device(x)
    except Exception:       # a tracer under jax.jit, or a library without devices
        return False
    return getattr(where, "type", None) == "cpu" or getattr(where, "platform", None) == "cpu"


def backward(saved: tuple, dy: Any, bank: Bank, *, input_grad: bool = True,
             max_workspace: int = DEFAULT_MAX_WORKSPACE, workspace: Workspace | None = None
             ) -> tuple[Any, Any]:
    """(dL/dx, dL/dw) from dy = dL/dy and what ``forward`` saved: the adjoint correlation with
    the flipped, transposed bank (padding K - 1 - p), and the bank's adjoint of the tap
    gradient. dL/dx is None without ``input_grad``."""
    dy = check_dy(saved, dy, bank)
    flat, expanded, x_shape, w_shape, p = saved
    xp = array_namespace(dy)
    d = bank.group.dim
    size = expanded.shape[1]
    dyf = _on_domain(xp.reshape(dy, (flat.shape[0], expanded.shape[0])
                                + tuple(dy.shape[dy.ndim - d:])), bank)
    dx = None
    if input_grad:
        dx = engine.correlate(dyf, engine.adjoint_weights(expanded), adjoint_padding(size, p),
                              max_workspace=max_workspace, workspace=workspace)
        dx = xp.reshape(_on_domain(dx, bank), x_shape)
    dbank = engine.weight_gradient(flat, dyf, size, p, max_workspace=max_workspace,
                                   workspace=workspace)
    return dx, bank.adjoint(dbank, w_shape)


def check_dy(saved: tuple, dy: Any, bank: Bank, op: str = "backward") -> Any:
    """dy = dL/dy of the output ``forward`` computed (what it ``saved``): real floats of the
    output's shape, in the dtype the forward computed in (torch mixes no dtypes), or an error
    that names that shape."""
    if saved is None:
        raise TypeError(f"{op}: saved is None: pass what forward returned (a forward on Dask "
                        f"arrays is lazy and keeps nothing: no gradients through Dask; run the "
                        f"layer on NumPy, CuPy, PyTorch or array-api-strict chunks)")
    if not isinstance(saved, tuple) or len(saved) != 5:
        raise TypeError(f"{op}: saved must be what forward returned for this layer (a tuple of "
                        f"5), got {type(saved).__name__}")
    _, expanded, x_shape, w_shape, p = saved
    d = bank.group.dim
    lead = x_shape[:len(x_shape) - bank.input_space.core - 1]
    spatial = check_size(x_shape[len(x_shape) - d:], expanded.shape[1], p)
    shape = tuple(lead) + (w_shape[0], bank.output_space.samples) + spatial
    dy = as_float(dy, f"{op}: dy")
    try:
        array_namespace(expanded, dy)
    except TypeError:
        raise TypeError(f"{op}: dy must be in the array library of the forward pass "
                        f"({type(expanded).__module__.split('.')[0]}), got "
                        f"{type(dy).__module__}.{type(dy).__name__}") from None
    if tuple(dy.shape) != shape:
        raise ValueError(f"{op}: dy must have the shape of the output {shape}, got shape "
                         f"{tuple(dy.shape)}")
    flat = saved[0]
    return dy if dy.dtype == flat.dtype else array_namespace(dy).astype(dy, flat.dtype)


def _on_domain(a: Any, bank: Bank) -> Any:
    """a (N, C, *spatial) with the cells outside the bank's domain set to zero: on the hexagonal
    lattice an array is a function on the hexagon about its centre, and the cells outside it
    are ignored on input and zero on output (so every layer is exactly equivariant); elsewhere,
    a itself."""
    mask = bank.domain_mask(tuple(a.shape[2:]))
    if mask is None:
        return a
    xp = array_namespace(a)
    return xp.where(on_device(mask, a), a, xp.zeros_like(a))   # NaN outside stays outside


def adjoint_padding(size: int, p: int) -> int:
    """The padding of the adjoint of a correlation with K^d taps and padding p: K - 1 - p."""
    return size - 1 - p


def _dask(x: Any, w: Any, bank: Bank, mode: str | int, max_workspace: int, op: str) -> Any:
    """The lazy correlation of a Dask array x, block by block in NumPy: the leading (batch)
    axes as they are chunked, the channel and point axes joined, and the spatial axes chunked
    too, each block reading a halo of K - 1 voxels from its neighbours (``map_overlap``) after
    the array is padded: every output chunk is exactly what the whole array gives there."""
    import dask.array as da

    if is_dask_array(w):
        w = w.compute()
    w = to_numpy(w) if hasattr(w, "__array_namespace__") or hasattr(w, "__dlpack__") \
        else np.asarray(w)
    plain_array(x, f"{op}: input")
    core = bank.input_space.core + 1
    if x.ndim < core:
        raise ValueError(f"{op}: input must have shape {bank.input_space.layout()}, "
                         f"got shape {tuple(x.shape)}")
    if any(math.isnan(c) for sizes in x.chunks for c in sizes):
        raise ValueError(f"{op}: the Dask input has chunks of unknown size (shape "
                         f"{tuple(x.shape)}, after a boolean selection?): call "
                         f"x.compute_chunk_sizes() first")
    # check shapes and dtypes on one image's worth of a stand-in, before building the graph
    stand_in = np.broadcast_to(np.zeros((), x.dtype), (1,) + tuple(x.shape[x.ndim - core:]))
    try:
        _, probe, w = check_inputs(stand_in, w, bank, op)
    except ValueError:      # said again of x's own shape (a float64 view of zeros: no memory)
        check_inputs(np.broadcast_to(np.zeros(()), tuple(x.shape)), w, bank, op)
        raise
    p = padding_for(mode, bank, w.shape[-1], op)
    _check_engine_options(max_workspace, None, op)
    out_shape = _sizes(bank, x, w.shape[-1], p, op)
    if 0 in x.shape:        # no value to read (map_overlap cannot chunk an empty array)
        return da.zeros(tuple(x.shape[:x.ndim - core]) + (w.shape[0], bank.output_space.samples)
                        + out_shape, dtype=probe.dtype, chunks=-1)
    d, size = bank.group.dim, bank.kernel_size(w.shape[-1])
    lead, spatial = x.ndim - core, tuple(range(x.ndim - d, x.ndim))
    x = x.astype(probe.dtype).rechunk({axis: -1 for axis in range(lead, x.ndim - d)})
    mask = bank.domain_mask(tuple(x.shape[x.ndim - d:]))
    if mask is not None:        # the hexagon of the whole array, not of a block
        x = da.where(mask, x, 0)
    given = {axis: x.chunks[axis] for axis in spatial}
    if p:
        x = da.pad(x, [(0, 0)] * (x.ndim - d) + [(p, p)] * d)
    # the padded axis chunked as the input was, its last chunk taking the 2p zeros: output chunk
    # j then starts where input chunk j does ("same" with odd K: the input's chunks exactly)
    x = x.rechunk({axis: _halo_chunks(given[axis][:-1] + (given[axis][-1] + 2 * p,), size)
                   for axis in spatial})

    def block(xb: np.ndarray) -> np.ndarray:
        # the bank expanded here, from the weights (the graph holds w, not the bank, which is
        # (C S)^2 / C^2 times larger), into scratch memory of this block's own, freed with it
        # (the threads' pools would keep up to POOL_LIMIT each after the computation)
        b_lead = tuple(xb.shape[:lead])
        flat = np.reshape(xb, (math.prod(b_lead), w.shape[1] * bank.input_space.samples)
                          + tuple(xb.shape[xb.ndim - d:]))
        y = engine.correlate(flat, bank.expand(w), 0, max_workspace=max_workspace,
                             workspace=Workspace())
        return np.reshape(y, b_lead + (w.shape[0], bank.output_space.samples)
                          + tuple(y.shape[2:]))

    # a block's output: its own positions; the last along an axis lacks the K - 1 of no halo
    chunks = x.chunks[:lead] + ((w.shape[0],), (bank.output_space.samples,)) + \
        tuple(c[:-1] + (c[-1] - size + 1,) for c in (x.chunks[a] for a in spatial))
    _blocks_fit_memory(tuple(max(c) for c in chunks), probe.dtype, op)
    blocks = math.prod(len(c) for c in chunks)
    if blocks > MANY_BLOCKS:
        warn(f"{op}: the chunks of x make {blocks:,} blocks (chunks of "
             f"{'x'.join(str(max(given[a])) for a in spatial)} voxels along space): each is "
             f"a task of its own, and the graph alone takes long to build and schedule; give "
             f"larger chunks (x.rechunk(...): tens of voxels a side, at least K - 1 = {size - 1})")
    depth = {axis: (0, size - 1) for axis in spatial}
    depth.update({axis: 0 for axis in range(x.ndim - d)})
    y = da.map_overlap(block, x, depth=depth, boundary="none", trim=False, chunks=chunks,
                       new_axis=[lead + 1] if not bank.input_space.point_axis else None,
                       dtype=probe.dtype,
                       meta=np.empty((0,) * (lead + 2 + len(out_shape)), probe.dtype))
    out_mask = bank.domain_mask(out_shape)
    return y if out_mask is None else da.where(out_mask, y, 0)


#: Blocks of a Dask input beyond which a warning says to give larger chunks (a graph of 2.6
#: million blocks, of 96^3 in chunks of 2, took 35 s to build before any was computed).
MANY_BLOCKS = 100_000
#: The share of this machine's memory one output block of a Dask input may take before a
#: warning: Dask computes a block per thread at once, each with its input, halo and scratch.
BLOCK_MEMORY_SHARE = 1 / 8


def _blocks_fit_memory(shape: tuple[int, ...], dtype: Any, op: str) -> None:
    """For a Dask input: a ValueError where one output block (of ``shape``, the largest) is
    larger than this machine's memory, and a warning where it takes more than
    ``BLOCK_MEMORY_SHARE`` of it (chunks too large for out-of-core work: Dask's default
    chunks of a volume can be one block)."""
    memory = physical_memory()
    size = math.prod(shape) * np.dtype(dtype).itemsize
    if memory is None or size <= BLOCK_MEMORY_SHARE * memory:
        return
    said = (f"{op}: with the chunks of x, an output block would have shape {shape}, "
            f"{size / 2**30:,.1f} GiB, and this machine has {memory / 2**30:,.1f} GiB")
    advice = ("rechunk x smaller along its batch or spatial axes (x.rechunk(...)): each block "
              "is computed in memory, a few at once")
    if size > memory:
        raise ValueError(f"{said}: {advice}")
    warn(f"{said} (Dask computes about one block per thread at once): {advice}")


def _halo_chunks(chunks: tuple[int, ...], size: int) -> tuple[int, ...]:
    """Chunks along a spatial axis that every halo of size - 1 fits in, the last one at least
    ``size`` long (so that it has an output): a chunk shorter than size - 1 takes the chunks
    after it until it is that long (only so many: the blocks stay as small as they can), and a
    last one too short joins the one before."""
    merged: list[int] = []
    for c in chunks:
        if merged and merged[-1] < size - 1:
            merged[-1] += c
        else:
            merged.append(c)
    while len(merged) > 1 and merged[-1] < size:
        last = merged.pop()
        merged[-1] += last
    return tuple(merged)


def _check_engine_options(max_workspace: Any, workspace: Any, op: str) -> None:
    if isinstance(max_workspace, (bool, np.bool_)) or \
            not isinstance(max_workspace, (int, np.integer)):
        raise TypeError(f"{op}: max_workspace must be a positive int (bytes), "
                        f"got {max_workspace!r}")
    if max_workspace < 1:
        raise ValueError(f"{op}: max_workspace must be a positive int (bytes), "
                         f"got {max_workspace!r}")
    if workspace is not None and not isinstance(workspace, Workspace):
        raise TypeError(f"{op}: workspace must be a groupconv Workspace or None, "
                        f"got {type(workspace).__name__}")


# ------------------------------------------------------------------ public edge
@other_names("padding", "stride", "dilation")
def lifting_correlation(x: Any, w: Any, group: AffineGroup | str, *, mode: str | int = "valid",
                        method: str = "fast", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                        workspace: Workspace | None = None) -> Any:
    """(f * psi)(g) = sum_y sum_c f_c(y) psi_c(g^-1 y), from Z^d to G.

    Parameters
    ----------
    x : array, (..., C_in, *n)
        Real values on the pixel grid Z^d (d = the group's dimension), in one array library:
        NumPy, CuPy, PyTorch, JAX, Dask or any array-API library; the result is in the same
        library. Dtypes: float32 and float64 are computed as given (x and w in their common
        dtype), float16 and bfloat16 in float32, integers and bools in float64; complex numbers
        are refused (TypeError).
    w : array, (C_out, C_in, *k^d)
        The filters, on a centred k^d grid.
    group : AffineGroup or str
        A registered name ("z2", "p4", "p4m", "p6", "P432", "Pm-3m", "se2_8", ...) or a group
        (a lattice group Z^d x| H, ``SE2(N)``, ``ScaleTranslation(...)``).
    mode : {"valid", "same", "full"} or int
        "valid" (no padding, n' = n - k + 1), "same" (zero padding k // 2 on each side,
        n' = n for odd k), "full" (k - 1, n' = n + k - 1), or the padding p itself (an int in
        0..k-1, n' = n + 2 p - k + 1), on every axis; for the scale group, k is the size K of
        the largest scaled kernel. Rotations and mirrors act about the array centre.
    method : {"fast", "literal"}
        "fast" (a filter bank expanded once, then one d-dimensional correlation in x's library)
        or "literal" (the same array entry by entry through the literal sums of
        ``groupconv.literal``: the ground truth, slow, float64 inside, returned in x's dtype
        and library).
    max_workspace : int
        Bytes of scratch memory the engine may use, or, where that is less, what its smallest
        chunk needs (one output slab and its k input slabs: a smaller value is no error).
    workspace : Workspace, optional
        Keep one between calls to reuse the engine's memory.

    Returns
    -------
    array, (..., C_out, S, *n')
        S = the group's number of point samples (4 for p4, 8 for p4m, 24 for P432).

    Examples
    --------
    >>> import numpy as np
    >>> import groupconv
    >>> x = np.random.default_rng(0).normal(size=(2, 1, 9, 9))
    >>> w = np.random.default_rng(1).normal(size=(3, 1, 3, 3))
    >>> groupconv.lifting_correlation(x, w, "p4").shape
    (2, 3, 4, 7, 7)
    >>> slow = groupconv.lifting_correlation(x, w, "p4", method="literal")
    >>> bool(np.allclose(groupconv.lifting_correlation(x, w, "p4"), slow))
    True
    """
    return _public(x, w, group, Kind.LIFTING, mode, method, max_workspace, workspace,
                   "lifting_correlation")


@other_names("padding", "stride", "dilation")
def group_correlation(x: Any, w: Any, group: AffineGroup | str, *, mode: str | int = "valid",
                      method: str = "fast", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> Any:
    """(f * psi)(g) = sum_h sum_c f_c(h) psi_c(g^-1 h), from G to G.

    Parameters
    ----------
    x : array, (..., C_in, S, *n)
        Values on G, S = the group's number of point samples, in the samples' order.
    w : array, (C_out, C_in, J, *k^d)
        The filters on G (J = S for a lattice group and SE(2)_N; the scale group's
        ``scale_extent``).
    group, mode, method, max_workspace, workspace
        As in ``lifting_correlation``.

    Returns
    -------
    array, (..., C_out, S, *n')

    Examples
    --------
    >>> import numpy as np
    >>> import groupconv
    >>> x = np.random.default_rng(0).normal(size=(2, 3, 8, 7, 7))
    >>> w = np.random.default_rng(1).normal(size=(5, 3, 8, 3, 3))
    >>> groupconv.group_correlation(x, w, "p4m", mode="same").shape
    (2, 5, 8, 7, 7)
    """
    return _public(x, w, group, Kind.CORRELATION, mode, method, max_workspace, workspace,
                   "group_correlation")


@other_names("padding", "stride", "dilation")
def group_convolution(x: Any, w: Any, group: AffineGroup | str, *, mode: str | int = "valid",
                      method: str = "fast", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> Any:
    """(f ∗ psi)(g) = sum_h sum_c f_c(h) psi_c(h^-1 g), the true G-convolution of a lattice
    group; shapes as ``group_correlation``. It is the adjoint of the G-correlation: the gradient
    of a G-correlation with respect to its input is a G-convolution with the same filter.

    Parameters
    ----------
    x, w, group, mode, method, max_workspace, workspace
        As in ``group_correlation`` (lattice groups only).

    Returns
    -------
    array, (..., C_out, S, *n')

    Examples
    --------
    >>> import numpy as np
    >>> import groupconv
    >>> x = np.random.default_rng(0).normal(size=(1, 2, 4, 6, 6))
    >>> w = np.random.default_rng(1).normal(size=(3, 2, 4, 3, 3))
    >>> groupconv.group_convolution(x, w, "p4", mode="full").shape
    (1, 3, 4, 8, 8)
    """
    return _public(x, w, group, Kind.CONVOLUTION, mode, method, max_workspace, workspace,
                   "group_convolution")


def _public(x, w, group, kind: Kind, mode, method, max_workspace, workspace, op):
    choice(method, f"{op}: method", METHODS)
    bank = bank_for(get_group(group), kind)
    if method == "fast":
        return correlate(x, w, bank, mode, max_workspace=max_workspace, workspace=workspace,
                         op=op)
    _check_engine_options(max_workspace, workspace, op)
    return correlate_literal(x, w, bank, mode, op)
