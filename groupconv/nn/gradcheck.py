"""Gradient checks: backward passes against central finite differences.

For a random direction r of the output, L(x, params) = <layer(x), r>; backward(cache, r) gives
dL/dx and dL/dparams, and each checked entry is compared with the central difference

    (L(.. + eps ..) - L(.. - eps ..)) / (2 eps),

whose error is O(eps^2) plus rounding O(u |L| / eps): about 1e-10 relative in float64 with
eps = 1e-6. Use float64 layers. An entry whose step straddles a kink (a ReLU or a max switching
between its eps-neighbours) has no central difference worth the name: the differences with steps
eps and eps / 2 then disagree by far more than the O(eps^2) a smooth function allows, and such
entries are left out (rarely more than one in a thousand with random inputs).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arguments import flag, informative, integer, number
from .base import Layer

__all__ = ["check_gradients"]


def check_gradients(layer: Layer, x: np.ndarray, *, training: bool = True, eps: float = 1e-6,
                    max_entries: int = 40, seed: int = 0) -> dict[str, float]:
    """Relative error ||g - g_fd|| / max(||g||, ||g_fd||) of the input gradient ("input") and of
    every parameter's, over up to ``max_entries`` random entries of each. A gradient whose
    entries are all below the finite differences' noise, analytic and numeric alike, counts as
    zero (error 0): a bias followed by batch normalisation has no effect on the output. The
    noise is estimated from the terms of L (u ||y r|| / eps) and measured (a step of eps / 64
    shows the rounding alone).

    Parameters
    ----------
    layer : Layer
        Any layer or network, with float64 parameters.
    x : numpy.ndarray of float64
        An input in the layer's input space.
    training : bool
        Check the training-mode forward (batch statistics) or the evaluation-mode one.
    eps : float
        The central differences' step.
    max_entries : int
        Random entries checked per gradient.
    seed : int
        The entries and the random direction dy of the check.

    Returns
    -------
    dict of str to float
        The relative error of "input" and of each parameter's gradient, by name: about 1e-9
        for a right gradient, of order 1 for a wrong one (a right gradient whose entries are
        close to the differences' noise, about 1e-10 each, shows more: that noise over its
        size).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> layer = nn.GroupConv("p4", 2, 3, 3, dtype=np.float64, rng=0)
    >>> x = np.random.default_rng(1).standard_normal((2, 2, 4, 6, 6))
    >>> errors = nn.check_gradients(layer, x)
    >>> sorted(errors), max(errors.values()) < 1e-6
    (['bias', 'input', 'weight'], True)
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"check_gradients: layer must be a groupconv.nn Layer, got "
                        f"{type(layer).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"check_gradients: x must be a float64 NumPy array (gradient checks "
                        f"need float64), got {_kind(x)}")
    informative(x, "check_gradients: x", zeros=True)
    odd = {name: _kind(p) for name, p in layer.params.items()
           if not isinstance(p, np.ndarray) or p.dtype != np.float64}
    if odd:
        raise TypeError(f"check_gradients: the layer's parameters must be float64 NumPy arrays "
                        f"(a float32 central difference is rounding noise), got {odd}")
    if training and _draws(layer):
        raise ValueError("check_gradients: the layer draws random numbers in training mode "
                         "(dropout): each forward differs; check it with training=False")
    x = np.array(x, order="C")          # contiguous and writable: perturbed in place below
    for name, p in list(layer.params.items()):
        if not p.flags.c_contiguous or not p.flags.writeable:
            layer.params[name] = np.array(p, order="C")
    training = flag(training, "check_gradients: training")
    eps = number(eps, "check_gradients: eps", 1e-10, 1e-2)   # (smaller: rounding is all)
    max_entries = integer(max_entries, "check_gradients: max_entries", 1, 10**6)
    seed = integer(seed, "check_gradients: seed", 0)
    # a stream of its own: a direction equal to a test's input (same seed) would make some
    # gradients cancel (batch normalisation's, for one) and leave only rounding noise
    rng = np.random.default_rng([seed, 0x67636865636B])
    state = _state(layer)
    y, cache = layer.forward(x, training)
    r = rng.standard_normal(y.shape)
    dx, grads = _checked_backward(layer, layer.backward(cache, r), x)

    def loss() -> float:
        return float(np.sum(layer.forward(x, training)[0] * r))

    # a central difference carries rounding noise of about u ||y r|| / eps per entry (the
    # terms of L, which may cancel: |L| itself can be far smaller; their sum's rounding grows
    # as their root sum of squares, not as the sum of their sizes); 10x that
    noise_per_entry = 10 * np.finfo(np.float64).eps * max(
        1.0, float(np.linalg.norm(layer.forward(x, training)[0] * r))) / eps

    targets = {"input": (x, dx)}     # contiguous: reshape(-1) below is a view, perturbed
    targets.update({name: (layer.params[name], grads[name]) for name in layer.params})
    errors = {}
    for name, (array, grad) in targets.items():
        flat = array.reshape(-1)  # a view: perturbs the array in place
        picks = rng.choice(flat.size, size=min(max_entries, flat.size), replace=False)
        fd, half = np.empty(len(picks)), np.empty(len(picks))
        for n, i in enumerate(picks):
            old = flat[i]
            fd[n], half[n] = (_central(flat, i, old, step, loss) for step in (eps, eps / 2))
        # the rounding, measured on up to three entries (the layer's own rounding of large
        # values can exceed what L's terms show): the differences with steps eps / 64 and
        # eps / 128 share the slope (a kink is 64 times less likely within them than within
        # eps) and differ by their rounding, of 32 / eps and 64 / eps times L's, which is
        # 1 / (2 eps) times L's in a difference with step eps: 1 / 143 of theirs
        rounding = max((abs(_central(flat, i, flat[i], eps / 64, loss) -
                            _central(flat, i, flat[i], eps / 128, loss)) / 143
                        for i in picks[:3]), default=0.0)
        noise = max(noise_per_entry, 3 * rounding)
        # smooth: the two differences agree to O(eps^2) and rounding; a kink within the step
        # moves them apart by a part of the jump in slope
        smooth = np.abs(fd - half) <= 1e-8 * (1.0 + np.abs(fd)) + 4 * noise
        picks, fd = picks[smooth], fd[smooth]
        g = np.asarray(grad).reshape(-1)[picks]
        scale = max(np.linalg.norm(g), np.linalg.norm(fd))
        if not len(picks) or not np.isfinite(scale):
            errors[name] = float("nan")     # no entry could be checked: no verdict
        elif scale <= noise * np.sqrt(len(picks)):
            errors[name] = 0.0  # a zero gradient (a bias before batch normalisation, say)
        else:
            errors[name] = float(np.linalg.norm(g - fd) / scale)
    _restore(layer, state)
    return errors


def _checked_backward(layer: Layer, result: Any, x: np.ndarray) -> tuple[Any, dict[str, Any]]:
    """The layer's backward result (dx, grads), or a ValueError saying how it is malformed: the
    check is for layers being written, whose backward may be wrong in shape as well as value."""
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
        raise ValueError(f"check_gradients: {layer!r}'s backward must return (dx, grads), a "
                         f"dict of gradients by parameter name, got {type(result).__name__}")
    dx, grads = result
    if not hasattr(dx, "shape") or tuple(dx.shape) != tuple(x.shape):
        got = tuple(dx.shape) if hasattr(dx, "shape") else type(dx).__name__
        raise ValueError(f"check_gradients: {layer!r}'s backward must return dx of x's shape "
                         f"{tuple(x.shape)}, got {got}")
    for name, p in layer.params.items():
        if name not in grads:
            raise ValueError(f"check_gradients: {layer!r}'s backward gives no gradient for "
                             f"{name!r} (it gives {sorted(grads)})")
        if not hasattr(grads[name], "shape") or tuple(grads[name].shape) != tuple(p.shape):
            got = tuple(grads[name].shape) if hasattr(grads[name], "shape") else \
                type(grads[name]).__name__
            raise ValueError(f"check_gradients: {layer!r}'s gradient for {name!r} must have the "
                             f"parameter's shape {tuple(p.shape)}, got {got}")
    return dx, grads


def _draws(layer: Layer) -> bool:
    """Whether a layer (or a network's layer) draws random numbers in training mode."""
    from .layers import Dropout

    if isinstance(layer, Dropout):
        return layer.p > 0
    return any(_draws(item) for item in getattr(layer, "layers", ()))


def _central(flat: np.ndarray, i: int, old: float, step: float, loss) -> float:
    """(L(x_i + step) - L(x_i - step)) / (2 step), the entry restored."""
    flat[i] = old + step
    plus = loss()
    flat[i] = old - step
    minus = loss()
    flat[i] = old
    return (plus - minus) / (2 * step)


def _state(layer: Layer) -> dict[str, np.ndarray]:
    """The buffers (running statistics) that training-mode forwards replace, copied."""
    return {name: np.array(value) for name, value in layer.buffer_values().items()}


def _restore(layer: Layer, state: dict[str, np.ndarray]) -> None:
    for name, value in state.items():
        layer.set_buffer(name, value)


def _kind(a: Any) -> str:
    """What an array is, for a message: "float32" for a NumPy array, "dask Array of float64"
    for another library's."""
    dtype = getattr(a, "dtype", None)
    if isinstance(a, np.ndarray) or dtype is None:
        return str(dtype) if dtype is not None else type(a).__name__
    return f"{type(a).__module__.split('.')[0]} {type(a).__name__} of {dtype}"
