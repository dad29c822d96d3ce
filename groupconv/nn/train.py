"""Training: softmax cross-entropy, SGD with momentum, Adam (with decoupled weight decay),
mini-batches with seeds that continue across calls, validation, callbacks, on the array library
of the data.

    model = p4cnn()
    history = fit(model, x_train, y_train, epochs=5, validation_data=(x_test, y_test))
    history[-1]   # {"epoch": 5, "loss": ..., "accuracy": ..., "lr": ..., "seconds": ...,
                  #  "val_loss": ..., "val_accuracy": ...}

``fit``, ``predict``, ``evaluate`` and ``accuracy`` move the model's parameters to the data's
library and device (``Layer.to``) first: NumPy, CuPy (on the GPU), PyTorch and JAX arrays
train, with the same numbers. The optimisers assign new arrays to the parameters
(``params[name] = ...``), so immutable arrays (JAX) train too. A network computes in its
parameters' dtype: data of another dtype is cast to it.

Seeding: epoch e of a model's training (``model.epochs_trained`` counts them) draws its batch
order from ``numpy.random.default_rng([seed, e])``, so two calls of one epoch each give the
batches of one call of two epochs (pass the same optimiser to continue its state too).

The progress bar (tqdm's, extra ``examples``) shows only on a terminal or in Jupyter
(``progress=None``), never in log files, which get one plain line per epoch instead. A loss that stops being finite (a learning rate too
large, say) stops training with a ValueError that names the epoch and step.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import inspect
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from array_api_compat import (
    array_namespace, device, is_dask_array, is_jax_array, is_torch_array,
)

from ..arguments import counted, integer
from ..arguments import number as real_number
from ..fast.backend import indices, to_numpy
from ..fast.validation import as_float
from .base import Layer, Parameters, Sequential, _in_dtype, moved, same_place
from .layers import BatchNorm, NotFinite

__all__ = ["softmax_cross_entropy", "SGD", "Adam", "minibatches", "fit", "predict", "evaluate",
           "accuracy"]


def _check_labels(xp, labels: Any, n: int, classes: int, what: str) -> None:
    if labels is None or not hasattr(labels, "dtype"):
        raise TypeError(f"{what}: labels must be an integer array, got "
                        f"{type(labels).__name__}")
    if not xp.isdtype(labels.dtype, "integral"):
        raise TypeError(f"{what}: labels must be integers, got {labels.dtype}")
    if tuple(labels.shape) != (n,):
        raise ValueError(f"{what}: expected {n} labels (one per example), got shape "
                         f"{tuple(labels.shape)}")
    if n and (int(xp.min(labels)) < 0 or int(xp.max(labels)) >= classes):
        raise ValueError(f"{what}: labels must be in 0..{classes - 1}, got values in "
                         f"{int(xp.min(labels))}..{int(xp.max(labels))}")


def softmax_cross_entropy(logits: Any, labels: Any) -> tuple[float, Any]:
    """L = -(1/B) sum_b log softmax(logits_b)[label_b], and dL/dlogits = (softmax - onehot) / B.

    Parameters
    ----------
    logits : array
        (B, K) real floats, in any array library.
    labels : array or list
        (B,) integers in 0..K-1 (an array of the logits' library, or a list as fit takes them).

    Returns
    -------
    (float, array)
        The loss L and dL/dlogits (B, K), in the logits' library.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> loss, grad = nn.softmax_cross_entropy(np.zeros((2, 4)), [0, 3])
    >>> round(loss, 4), grad[0].tolist()                # log 4, and (1/4 - onehot) / 2
    (1.3863, [-0.375, 0.125, 0.125, 0.125])
    """
    xp = array_namespace(logits)
    if not xp.isdtype(logits.dtype, "real floating"):
        raise TypeError(f"softmax_cross_entropy: logits must be real floats, got "
                        f"{logits.dtype}")
    if logits.ndim != 2 or logits.shape[0] < 1 or logits.shape[1] < 1:
        raise ValueError(f"softmax_cross_entropy: expected logits (B, K) with B, K >= 1, got "
                         f"shape {tuple(logits.shape)}")
    if isinstance(labels, (list, tuple, range)):
        labels = _check_y(labels, logits, "softmax_cross_entropy", "labels", "logits")
    if hasattr(labels, "shape"):
        try:
            array_namespace(logits, labels)
        except TypeError:
            raise TypeError(f"softmax_cross_entropy: labels are a {type(labels).__module__}."
                            f"{type(labels).__name__}, logits a {type(logits).__module__}."
                            f"{type(logits).__name__}: one array library for both") from None
    _check_labels(xp, labels, logits.shape[0], logits.shape[1], "softmax_cross_entropy")
    shifted = logits - xp.max(logits, axis=1, keepdims=True)
    log_p = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    n = logits.shape[0]
    hit = xp.reshape(xp.arange(logits.shape[1], device=device(logits)), (1, -1)) == \
        xp.reshape(labels, (-1, 1))
    loss = -float(xp.sum(xp.where(hit, log_p, xp.zeros_like(log_p)))) / n
    grad = (xp.exp(log_p) - xp.astype(hit, logits.dtype)) / n
    return loss, grad


class SGD:
    """Stochastic gradient descent with momentum and L2 weight decay:

        v <- momentum v + g + weight_decay p,    p <- p - lr v.

    Parameters
    ----------
    params : dict or Parameters
        The model's ``params``; ``step`` assigns the new arrays into it.
    lr, momentum, weight_decay : float
        The learning rate (> 0), the momentum in [0, 1) and the decay (>= 0).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> layer = nn.Linear(2, 1, rng=0, dtype=np.float64)
    >>> layer.params["weight"] = np.array([[1.0, 2.0]])
    >>> sgd = nn.SGD(layer.params, lr=0.1, momentum=0.0, weight_decay=0.5)
    >>> sgd.step({"weight": np.array([[1.0, 0.0]]), "bias": np.zeros(1)})
    >>> layer.params["weight"].tolist()      # w - 0.1 (g + 0.5 w)
    [[0.85, 1.9]]
    """

    def __init__(self, params: Any, lr: float = 0.01, momentum: float = 0.9,
                 weight_decay: float = 0.0):
        self.params = _check_params(params, "SGD")
        self.lr = real_number(lr, "SGD lr", 0, math.inf, open_low=True, open_high=True)
        self.momentum = real_number(momentum, "SGD momentum", 0, 1, open_high=True)
        self.weight_decay = real_number(weight_decay, "SGD weight_decay", 0, math.inf,
                                    open_high=True)
        self.velocity: dict[str, Any] = {}

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON values), with its "type": what ``nn.save`` records."""
        return {"type": "SGD", "lr": self.lr, "momentum": self.momentum,
                "weight_decay": self.weight_decay}

    def state(self) -> dict[str, dict[str, Any]]:
        """The arrays it keeps between steps, by slot and parameter name."""
        return {"velocity": self.velocity}

    def step(self, grads: dict[str, Any]) -> None:
        """One update from the gradients ``grads`` (named as ``params``)."""
        _check_grads(self.params, grads, "SGD.step")
        for name, p in self.params.items():
            g = grads[name] + self.weight_decay * p if self.weight_decay else grads[name]
            v = self.velocity.get(name)
            v = g if v is None else self.momentum * moved(v, p) + g
            v = array_namespace(p).astype(v, p.dtype)       # the parameter keeps its dtype
            self.velocity[name] = v
            self.params[name] = p - self.lr * v


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction, and decoupled weight decay (AdamW,
    Loshchilov & Hutter 2019):

        m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
        p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) - lr weight_decay p.

    Parameters
    ----------
    params : dict or Parameters
        The model's ``params``; ``step`` assigns the new arrays into it.
    lr : float
        The learning rate (> 0).
    betas : tuple of float
        b1, b2 in [0, 1).
    eps : float
        > 0.
    weight_decay : float
        The decoupled decay (>= 0; 0 is plain Adam).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> params = {"w": np.ones(2)}
    >>> opt = nn.Adam(params, lr=0.1, weight_decay=0.5)
    >>> opt.step({"w": np.zeros(2)})      # no gradient: only the decay acts
    >>> params["w"].tolist()
    [0.95, 0.95]
    """

    def __init__(self, params: Any, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        self.params = _check_params(params, "Adam")
        self.lr = real_number(lr, "Adam lr", 0, math.inf, open_low=True, open_high=True)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam betas must be a pair of numbers, got {betas!r}")
        self.betas = tuple(real_number(b, "Adam betas", 0, 1, open_high=True) for b in betas)
        self.eps = real_number(eps, "Adam eps", 0, math.inf, open_low=True, open_high=True)
        self.weight_decay = real_number(weight_decay, "Adam weight_decay", 0, math.inf,
                                    open_high=True)
        self.m: dict[str, Any] = {}
        self.v: dict[str, Any] = {}
        self.t = 0

    def config(self) -> dict[str, Any]:
        """The constructor arguments and the step count (JSON values), with its "type": what
        ``nn.save`` records."""
        return {"type": "Adam", "lr": self.lr, "betas": list(self.betas), "eps": self.eps,
                "weight_decay": self.weight_decay, "t": self.t}

    def state(self) -> dict[str, dict[str, Any]]:
        """The arrays it keeps between steps, by slot and parameter name."""
        return {"m": self.m, "v": self.v}

    def step(self, grads: dict[str, Any]) -> None:
        """One update from the gradients ``grads`` (named as ``params``)."""
        _check_grads(self.params, grads, "Adam.step")
        self.t += 1
        b1, b2 = self.betas
        for name, p in self.params.items():
            xp = array_namespace(p)
            g = grads[name]
            m = (1 - b1) * g if name not in self.m else b1 * moved(self.m[name], p) + (1 - b1) * g
            v = (1 - b2) * g * g if name not in self.v else \
                b2 * moved(self.v[name], p) + (1 - b2) * g * g
            m, v = (xp.astype(a, p.dtype, copy=False) for a in (m, v))   # in the parameter's
            self.m[name], self.v[name] = m, v                       # dtype, as SGD's velocity
            update = (self.lr / (1 - b1 ** self.t)) * m / \
                (xp.sqrt(v / (1 - b2 ** self.t)) + self.eps)
            if self.weight_decay:
                update = update + (self.lr * self.weight_decay) * p
            self.params[name] = p - xp.astype(update, p.dtype)


def _optimizer_state(optimizer: Any) -> tuple[dict[str, dict[str, Any]], Any]:
    """What an optimiser keeps between steps (``state()``'s slots, copied, and Adam's step
    count ``t``), to undo a refused step: its steps assign new arrays, never write in place."""
    state = optimizer.state() if callable(getattr(optimizer, "state", None)) else {}
    return {slot: dict(values) for slot, values in state.items()}, getattr(optimizer, "t", None)


def _restore_optimizer(optimizer: Any, kept: tuple[dict[str, dict[str, Any]], Any]) -> None:
    """Put back what ``_optimizer_state`` kept."""
    slots, t = kept
    if slots:
        for slot, values in optimizer.state().items():
            values.clear()
            values.update(slots[slot])
    if t is not None:
        optimizer.t = t


def _check_params(params: Any, what: str) -> Any:
    """A model's parameters: a dict-like of named arrays of real floats (any library), at least
    one, or an error naming them."""
    if not hasattr(params, "items") or not hasattr(params, "__setitem__"):
        raise TypeError(f"{what}: params must be a model's params (a dict of named arrays), got "
                        f"{type(params).__name__}")
    if not len(params):
        raise ValueError(f"{what}: params holds no parameter: nothing to train")
    for name, p in params.items():
        if not hasattr(p, "shape") or not hasattr(p, "dtype") or \
                not array_namespace(p).isdtype(p.dtype, "real floating"):
            raise TypeError(f"{what}: parameter {name!r} must be an array of real floats, got "
                            f"{getattr(p, 'dtype', type(p).__name__)}")
    return params


def _check_grads(params: Any, grads: Any, what: str) -> None:
    """One real gradient per parameter, of the parameter's shape, or an error naming it."""
    if not hasattr(grads, "keys") or not hasattr(grads, "__getitem__"):
        raise TypeError(f"{what}: grads must be a dict of gradients named like the parameters, "
                        f"got {type(grads).__name__}")
    missing = [name for name in params if name not in grads]
    if missing:
        raise ValueError(f"{what}: grads must hold a gradient for every parameter; missing "
                         f"{missing} (given: {sorted(grads)})")
    for name, p in params.items():
        g = grads[name]
        if not hasattr(g, "shape") or not hasattr(g, "dtype") or \
                not array_namespace(g).isdtype(g.dtype, "real floating"):
            raise TypeError(f"{what}: the gradient of {name!r} must be an array of real floats, "
                            f"got {getattr(g, 'dtype', type(g).__name__)}")
        try:
            array_namespace(p, g)
        except TypeError:
            raise TypeError(f"{what}: the gradient of {name!r} is a {type(g).__module__}."
                            f"{type(g).__name__}, the parameter a {type(p).__module__}."
                            f"{type(p).__name__}: one array library for both (model.to(x) "
                            f"moves a model)") from None
        if tuple(g.shape) != tuple(p.shape):
            raise ValueError(f"{what}: the gradient of {name!r} must have the parameter's shape "
                             f"{tuple(p.shape)}, got shape {tuple(g.shape)}")


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Indices of a fresh random permutation, in batches (the last one may be smaller).

    Parameters
    ----------
    n : int
        The number of examples.
    batch_size : int
        Indices per batch.
    rng : numpy.random.Generator
        Draws the permutation.

    Returns
    -------
    iterator of numpy.ndarray
        The batches' indices, together a permutation of 0..n-1.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> [len(b) for b in nn.minibatches(10, 4, np.random.default_rng(0))]
    [4, 4, 2]
    """
    n = integer(n, "minibatches: n", 0, 2**40)
    batch_size = integer(batch_size, "minibatches: batch_size", 1, 10**7)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"minibatches: rng must be a numpy.random.Generator, got "
                        f"{type(rng).__name__}")
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _interactive() -> bool:
    """Whether progress bars make sense: a terminal, or a Jupyter kernel."""
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def _progress(total: int, enabled: bool | None, description: str) -> Any:
    """A context of a tqdm bar of ``total`` steps, updated by hand (so that it stays open for
    the epoch's validation scores), or of None where no bar shows."""
    if not (_interactive() if enabled is None else enabled):
        return contextlib.nullcontext()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return contextlib.nullcontext()
    return tqdm(total=total, desc=description, leave=True)


def _epoch_line(record: dict[str, float]) -> str:
    """"epoch 3: loss 0.4120, accuracy 0.881, val_loss ..., 12.3 s": a history record as one
    line of a log."""
    said = [f"{key} {record[key]:.4f}" if "loss" in key else f"{key} {record[key]:.3f}"
            for key in ("loss", "accuracy", "val_loss", "val_accuracy") if key in record]
    return f"epoch {record['epoch']}: {', '.join(said)}, {record['seconds']:.2f} s"


def _check_model(model: Any, what: str) -> None:
    if not isinstance(model, Layer):
        raise TypeError(f"{what}: model must be a groupconv.nn Layer, got "
                        f"{type(model).__name__}")


def _check_x(x: Any, what: str, name: str = "x") -> Any:
    """The data array, or a TypeError / ValueError naming it."""
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise TypeError(f"{what}: {name} must be an array (NumPy, CuPy, PyTorch, JAX, ...), got "
                        f"{type(x).__name__}")
    try:
        xp = array_namespace(x)
    except TypeError:
        kind = f"{type(x).__module__}.{type(x).__name__}"
        read = (f"read it batch by batch with dask.array.from_zarr({name}), or into memory "
                f"with np.asarray({name})" if kind.startswith("zarr") else
                f"np.asarray({name}) reads it into memory")
        raise TypeError(f"{what}: {name} must be an array of NumPy, CuPy, PyTorch, JAX, Dask or "
                        f"another array-API library, got a {kind}: {read}") from None
    if not xp.isdtype(x.dtype, ("real floating", "integral", "bool")):
        raise TypeError(f"{what}: {name} must be real numbers (a floating, integer or bool "
                        f"dtype; a network computes in its parameters' dtype), got {x.dtype}")
    if any(isinstance(n, float) and math.isnan(n) for n in x.shape):
        raise ValueError(f"{what}: {name} is a Dask array of unknown chunk sizes (shape "
                         f"{tuple(x.shape)}, from boolean indexing, say): call "
                         f"{name}.compute_chunk_sizes() first")
    if x.ndim < 1 or x.shape[0] < 1:
        raise ValueError(f"{what}: {name} must hold at least one example, got shape "
                         f"{tuple(x.shape)}")
    if xp.isdtype(x.dtype, "real floating") and not is_dask_array(x):   # (Dask: read lazily)
        finite = xp.all(xp.reshape(xp.isfinite(x), (x.shape[0], -1)), axis=1)
        if not bool(xp.all(finite)):
            first = int(xp.argmax(xp.astype(xp.logical_not(finite), xp.int32)))
            raise ValueError(f"{what}: {name} holds values that are not finite (NaN or inf), "
                             f"in example {first} first" + (
                                 ": a batch norm's running statistics would keep them for good"
                                 if what == "fit" and name == "x" else ""))
    if is_torch_array(x):     # data, not a graph: a tensor that requires grad would grow one
        x = x.detach()        # across every step (groupconv computes its own gradients)
    return x


def _rows(x: Any, index: Any, what: str, name: str = "x") -> Any:
    """The examples ``index`` (a slice, or NumPy integers) of x, in memory: a Dask array's are
    read now, into its chunks' library, and checked finite (Dask data is read batch by batch,
    never whole)."""
    if not is_dask_array(x):
        if isinstance(index, slice):
            return x[index, ...]
        return array_namespace(x).take(x, indices(index, x), axis=0)
    rows = x[index].compute()
    xp = array_namespace(rows)
    if xp.isdtype(rows.dtype, "real floating"):
        finite = xp.all(xp.reshape(xp.isfinite(rows), (rows.shape[0], -1)), axis=1)
        if not bool(xp.all(finite)):
            first = int(xp.argmax(xp.astype(xp.logical_not(finite), xp.int32)))
            example = range(x.shape[0])[index][first] if isinstance(index, slice) else \
                int(index[first])
            raise ValueError(f"{what}: {name} holds values that are not finite (NaN or inf), in "
                             f"example {example} (a Dask array's examples are checked as they "
                             f"are read)")
    return rows


def _check_y(y: Any, x: Any, what: str, name: str = "y", of: str = "x") -> Any:
    """The labels in x's library: an integer array (or a list of ints) of one label per
    example, or a TypeError / ValueError naming them."""
    if y is None:
        raise TypeError(f"{what}: {name} (the labels) must be an integer array, got None")
    if isinstance(y, (list, tuple, range)):
        try:
            y = np.asarray(y)
        except ValueError:
            raise TypeError(f"{what}: {name} (the labels) must be a flat list of ints, one per "
                            f"example, got a ragged {type(y).__name__}") from None
    if not hasattr(y, "shape") or not hasattr(y, "dtype"):
        raise TypeError(f"{what}: {name} (the labels) must be an integer array, got "
                        f"{type(y).__name__}")
    yp = array_namespace(y)
    if not yp.isdtype(y.dtype, "integral"):
        one_hot = "; one-hot rows? pass the class indices, y.argmax(1)" if y.ndim == 2 else ""
        raise TypeError(f"{what}: {name} (the labels) must be integers, got {y.dtype}{one_hot}")
    if tuple(y.shape) != (x.shape[0],):
        raise ValueError(f"{what}: {name} must hold one label per example of {of}, "
                         f"({x.shape[0]},), got shape {tuple(y.shape)}")
    if same_place(y, x):
        # torch's unsigned ints beyond uint8 lack min / max: class indices as int64
        return yp.astype(y, yp.int64) if is_torch_array(y) and y.dtype != yp.uint8 else y
    # another library: the class indices through the host, as int64, or as int32 for JAX
    # (which may run without int64) where they fit
    host = to_numpy(y).astype(np.int64)
    fits = not host.size or (host.min() >= 0 and host.max() < 2**31)
    return moved(host.astype(np.int32) if fits and is_jax_array(x) else host, x)


def _non_finite(arrays: Any, what: str = "") -> str | None:
    """"<what><name> holds NaN or infinite values" for the first array of real floats (any
    library) that does, else None."""
    for name, value in arrays.items():
        xp = array_namespace(value)
        if xp.isdtype(value.dtype, "real floating") and not bool(xp.all(xp.isfinite(value))):
            return f"{what}{name} holds NaN or infinite values"
    return None


def _fitting(model: Layer, x: Any, what: str, x_name: str) -> Any:
    """The model's output for the first two examples of x (evaluation mode: no state
    changes), or a ValueError naming x, its shape and the inputs the model takes, with the
    layer's reason (two examples: of one alone, a missing channel axis reads as a batch of
    one)."""
    first = _rows(x, slice(0, 2), what, x_name)     # (Dask: its examples checked as read)
    try:     # (a network casts to its parameters' dtype itself)
        return model(first)
    except ValueError as error:
        takes = model.describe_input() if isinstance(model, Sequential) else None
        raise ValueError(f"{what}: {x_name} of shape {tuple(x.shape)} does not fit the model"
                         + (f": it takes {takes}" if takes else "")
                         + f" (on its first examples: {error})") from error


def _check_last_batch(model: Layer, x: Any, n: int, batch_size: int) -> None:
    """Where some batch holds one example (n % batch_size == 1, or batch_size == 1), that the
    model trains on one: batch normalisation of vectors (after a global pool) cannot, and it
    would stop training midway. Tried on a copy of the model (training mode changes running
    statistics), where the model has a BatchNorm."""
    if n % batch_size != 1 and batch_size != 1:
        return
    layers = [layer for _, layer in model._leaves()] if isinstance(model, Sequential) \
        else [model]
    if not any(isinstance(layer, BatchNorm) for layer in layers):
        return
    try:
        copy.deepcopy(model).forward(_in_dtype(_rows(x, slice(0, 1), "fit"), model.dtype),
                                     training=True)
    except ValueError as error:
        last = "every batch" if batch_size == 1 or n == 1 else \
            f"the last batch of each epoch (N = {n} = {n // batch_size} x {batch_size} + 1)"
        raise ValueError(f"fit: with batch_size {batch_size}, {last} holds one example, and "
                         f"the model cannot train on one: {error}") from error


def _check_fits(model: Layer, x: Any, y: Any, what: str, x_name: str, y_name: str) -> None:
    """The model's logits for the first example of x (``_fitting``), and the labels y within
    their classes: a ValueError naming x or y otherwise."""
    logits = _fitting(model, x, what, x_name)
    if logits.ndim != 2:
        raise ValueError(f"{what}: the model gives outputs of shape {tuple(logits.shape)} for "
                         f"{x_name}; softmax cross-entropy needs logits (B, classes)")
    _check_labels(array_namespace(y), y, y.shape[0], logits.shape[1], f"{what}: {y_name}")


def _same_params(a: Any, b: Any) -> bool:
    """Whether two parameter mappings are one: the same object, or live views of the same
    layers."""
    return a is b or (isinstance(a, Parameters) and isinstance(b, Parameters) and
                      a._layers is b._layers)


def fit(model: Layer, x: Any, y: Any, *, epochs: int = 1, batch_size: int = 32,
        optimizer: Any = None, seed: int = 0,
        validation_data: tuple[Any, Any] | None = None,
        callbacks: Sequence[Callable[[dict, Layer], Any]] | None = (),
        augment: Callable[[Any, np.random.Generator], Any] | None = None,
        lr_schedule: Callable[[int], float] | None = None,
        progress: bool | None = None, max_steps: int | None = None) -> list[dict[str, float]]:
    """Train ``model`` with softmax cross-entropy on (x, y).

    Parameters
    ----------
    model : Layer
        A network whose output is (B, classes) logits.
    x, y : arrays
        x (N, ...) real numbers and y (N,) integer labels (an array or a list), in any array
        library: the model moves there, and x is cast to the parameters' dtype. Dask data is
        read batch by batch, into its chunks' library.
    epochs, batch_size : int
        Epochs of this call, and examples per step.
    optimizer : SGD, Adam or any object with ``step(grads)``
        Default: a fresh ``Adam(model.params)``. Pass the same one to continue its state.
    seed : int
        With ``model.epochs_trained``, the batch order of every epoch.
    validation_data : (x_val, y_val), optional
        Evaluated after every epoch (evaluation mode): "val_loss" and "val_accuracy".
    callbacks : callable or sequence of callables, optional
        Each is called as ``callback(record, model)`` after every epoch, with that epoch's
        record; a callback that returns True stops training (early stopping, say), None or
        False goes on; anything else is a TypeError.
    augment : callable, optional
        ``augment(x_batch, rng)`` -> a batch of the same shape, applied to every training
        batch; ``rng`` is the epoch's NumPy Generator (so augmentations are seeded too).
    lr_schedule : callable, optional
        ``lr_schedule(epoch)`` -> the learning rate (> 0) of the epoch after ``epoch``
        completed ones, counted over the model's life as ``epochs_trained`` (0 first), so that
        a training resumed by another call goes on where it stopped: set as the optimizer's
        ``lr`` before every epoch. E.g. a cosine decay over 100 epochs,
        ``lambda e: 1e-3 * (1 + math.cos(math.pi * e / 100)) / 2 + 1e-6``.
    progress : bool or None
        A progress bar per epoch (True), nothing (False), or None: the bar on a terminal or in
        Jupyter, and elsewhere (a log file) one line per epoch on stderr, without carriage
        returns.
    max_steps : int, optional
        Stop after this many steps in all (smoke tests). An epoch cut short still counts in
        ``epochs_trained``, so that the next call draws the next epoch's batch order.

    Returns
    -------
    list of dict
        One record per epoch: "epoch" (counted over the model's life), "loss" and "accuracy"
        (means over the epoch's examples, in training mode), "seconds" (the epoch's training
        time), "lr" (the optimizer's learning rate in the epoch, where it has one), and with
        ``validation_data`` "val_loss" and "val_accuracy". Where training
        stops with an exception (a callback's, a diverged step, KeyboardInterrupt) after some
        epochs, their records are on that exception's ``history``.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((8, 1, 28, 28)), rng.integers(0, 10, 8)
    >>> net = nn.p4cnn(width=2)
    >>> history = nn.fit(net, x, y, epochs=2, batch_size=4, validation_data=(x, y))
    >>> [record["epoch"] for record in history], sorted(history[-1])
    ([1, 2], ['accuracy', 'epoch', 'loss', 'lr', 'seconds', 'val_accuracy', 'val_loss'])
    """
    what = "fit"
    _check_model(model, what)
    x = _check_x(x, what)
    y = _check_y(y, x, what)
    epochs = integer(epochs, "fit: epochs", 1, 10**7)
    batch_size = integer(batch_size, "fit: batch_size", 1, 10**7)
    if max_steps is not None:
        max_steps = integer(max_steps, "fit: max_steps", 1, 10**12)
    seed = integer(seed, "fit: seed", 0)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(f"fit: validation_data must be a pair (x_val, y_val), got "
                            f"{type(validation_data).__name__}")
        x_val = _check_x(validation_data[0], what, "validation_data[0]")
        x_val = x_val if is_dask_array(x_val) else moved(x_val, x)    # (Dask: read by batch)
        validation_data = (x_val, _check_y(validation_data[1], x_val, what,
                                           "validation_data[1]", "validation_data[0]"))
    if callbacks is None:
        callbacks = []
    elif isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, (list, tuple)):
        callbacks = [callbacks]                                  # one callable alone
    for i, callback in enumerate(callbacks):
        if not callable(callback):
            raise TypeError(f"fit: callbacks must be callables (record, model) -> stop?, got "
                            f"{type(callback).__name__} at position {i}")
        try:
            signature = inspect.signature(callback)
        except (TypeError, ValueError):   # a builtin without one: called as it is
            continue
        try:
            signature.bind({}, model)
        except TypeError:
            raise TypeError(f"fit: callbacks[{i}] is called as callback(record, model) after "
                            f"every epoch; it takes {signature}") from None
    if augment is not None and not callable(augment):
        raise TypeError(f"fit: augment must be a callable (batch, rng) -> batch, got "
                        f"{type(augment).__name__}")
    if lr_schedule is not None and not callable(lr_schedule):
        raise TypeError(f"fit: lr_schedule must be a callable epoch -> learning rate, got "
                        f"{type(lr_schedule).__name__}")
    if isinstance(optimizer, type):
        raise TypeError(f"fit: optimizer must be an optimiser made from the model's parameters, "
                        f"e.g. nn.{optimizer.__name__}(model.params), got the class "
                        f"{optimizer.__name__}")
    if optimizer is not None and not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"fit: optimizer must have a step(grads) method (SGD, Adam), got "
                        f"{type(optimizer).__name__}")
    bound = getattr(optimizer, "params", None)
    if bound is not None and not _same_params(bound, model.params):
        raise ValueError("fit: optimizer updates other parameters than the model's (made from "
                         "another model, or from a copy): make it from this model's, e.g. "
                         "nn.Adam(model.params)")
    if progress is not None:
        if not isinstance(progress, (bool, np.bool_)):
            raise TypeError(f"fit: progress must be True, False or None (a bar only on a "
                            f"terminal or in Jupyter), got {progress!r}")
        progress = bool(progress)
        if progress and importlib.util.find_spec("tqdm") is None:
            raise ValueError("fit: progress=True shows tqdm's bar, and tqdm is not installed "
                             "(pip install tqdm, or the examples extra)")
    home = _rows(x, slice(0, 1), what)    # where training runs (Dask data: its chunks' library)
    model.to(home)
    # the data against the model before any step: shapes, and labels in range of the logits
    _check_fits(model, x, y, what, "x", "y")
    if validation_data is not None:
        _check_fits(model, *validation_data, what, "validation_data[0]", "validation_data[1]")
    _check_last_batch(model, x, x.shape[0], batch_size)
    if is_dask_array(x):
        _warn_reads(x, list(minibatches(x.shape[0], batch_size,
                                        _epoch_rng(seed, model.epochs_trained))))
    if optimizer is None and model.epochs_trained > 0:
        trained = model.epochs_trained
        warnings.warn(f"fit: the model has trained {trained} epoch{'s' * (trained != 1)}, and no "
                      f"optimizer was given: a fresh Adam starts its moments from zero. To "
                      f"continue one optimiser across calls, make it and pass it each time: "
                      f"opt = nn.Adam(model.params); fit(..., optimizer=opt)", stacklevel=2)
    optimizer = optimizer or Adam(model.params)
    if lr_schedule is not None and not isinstance(getattr(optimizer, "lr", None),
                                                  (int, float, np.floating)):
        raise TypeError(f"fit: lr_schedule sets the optimizer's lr before every epoch, and "
                        f"{type(optimizer).__name__} has no numeric lr attribute")
    history: list[dict[str, float]] = []
    try:
        _train(model, x, y, home, epochs, batch_size, optimizer, seed, validation_data,
               callbacks, augment, lr_schedule, progress, max_steps, history)
    except BaseException as error:     # a callback's error, a diverged step, Ctrl-C
        if history:                    # the epochs completed are not lost with the return
            with contextlib.suppress(AttributeError):     # (an exception without a __dict__)
                error.history = history
            if hasattr(error, "add_note"):   # (Python 3.11 on)
                error.add_note(f"fit: {counted(len(history), 'epoch')} completed before this "
                               f"error; their records are on the exception's .history")
        raise
    return history


def _epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    """The generator of the model's epoch ``epoch`` (0 first): its batch order and augment's
    draws, the same whichever call of fit runs it."""
    return np.random.default_rng([int(seed), int(epoch)])


def _warn_reads(x: Any, batches: list[np.ndarray]) -> None:
    """A warning where Dask data in chunks of many examples would be read several times an
    epoch: each step reads every chunk its batch touches (measured on the first epoch's
    batches)."""
    ends = np.cumsum(x.chunks[0])
    sizes = np.diff(ends, prepend=0)
    read = sum(int(sizes[np.unique(np.searchsorted(ends, index, side="right"))].sum())
               for index in batches)
    if read > 2 * x.shape[0]:
        warnings.warn(f"fit: x is a Dask array in chunks of up to {int(sizes.max())} examples, "
                      f"and each step reads every chunk its batch touches: an epoch reads "
                      f"about {read / x.shape[0]:.0f} times the data. Store it in chunks of one "
                      f"example (or a few) along its first axis, or load it into memory",
                      stacklevel=3)


def _train(model: Layer, x: Any, y: Any, home: Any, epochs: int, batch_size: int,
           optimizer: Any, seed: int, validation_data: tuple[Any, Any] | None,
           callbacks: Sequence[Callable], augment: Callable | None,
           lr_schedule: Callable[[int], float] | None, progress: bool | None,
           max_steps: int | None, history: list[dict[str, float]]) -> None:
    """``fit``'s epochs on checked arguments, each record appended to ``history`` as its epoch
    ends. ``home``: an array where training runs (x's library, or a Dask array's chunks')."""
    what = "fit"
    xp = array_namespace(home)
    steps = 0
    for epoch in range(epochs):
        number = model.epochs_trained + 1
        if lr_schedule is not None:
            optimizer.lr = _scheduled(lr_schedule, number - 1)
        rng = _epoch_rng(seed, number - 1)
        start = time.perf_counter()
        losses, correct, seen = [], 0, 0
        batches = list(minibatches(x.shape[0], batch_size, rng))
        with _progress(len(batches), progress, f"epoch {number}") as bar:
            model.to(home)               # back with the data, should a callback have moved it
            for step, index in enumerate(batches, 1):
                try:
                    xb = _in_dtype(_rows(x, index, what), model.dtype)
                except ValueError as error:     # (Dask data, checked as it is read)
                    raise ValueError(f"{error}, read at epoch {number}, step {step} of "
                                     f"{len(batches)}: the model and its optimiser keep the "
                                     f"steps before it") from None
                yb = xp.take(y, indices(index, y), axis=0)
                if augment is not None:
                    shape = tuple(xb.shape)
                    xb = augment(xb, rng)
                    if not hasattr(xb, "shape"):
                        raise TypeError(f"fit: augment must return an array (a batch of the "
                                        f"shape it was given, {shape}), got "
                                        f"{type(xb).__name__}")
                    if tuple(xb.shape) != shape:
                        raise ValueError(f"fit: augment must return a batch of the shape it was "
                                         f"given, {shape}, got {tuple(xb.shape)}")
                    if not same_place(xb, home):
                        raise TypeError(f"fit: augment must return a batch in the array library "
                                        f"(and on the device) of the batch it was given, "
                                        f"{type(home).__module__}.{type(home).__name__}, got "
                                        f"{type(xb).__module__}.{type(xb).__name__}")
                    xb = _in_dtype(_check_x(as_float(xb, "fit: augment's batch"), what,
                                            "augment's batch"), model.dtype)
                # the forward and the optimiser assign new arrays: these stay, to undo a step
                kept = model.buffer_values(), dict(model.params), _optimizer_state(optimizer)
                try:
                    logits, loss, bad = _step(model, optimizer, xb, yb)
                except BaseException:       # a layer's or the optimiser's error, Ctrl-C
                    _undo(model, optimizer, kept)
                    raise
                if bad is not None:                        # the refused step leaves no trace
                    _undo(model, optimizer, kept)
                    raise ValueError(f"fit: {bad} at epoch {number}, step {step} of "
                                     f"{len(batches)}: training diverged (try a smaller "
                                     f"learning rate); the model and its optimiser keep their "
                                     f"state from before that step")
                losses.append(loss * len(index))
                correct += _count(xp, _hits(xp, logits, yb))
                seen += len(index)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{sum(losses) / seen:.3f}", acc=f"{correct / seen:.3f}")
                steps += 1
                if max_steps is not None and steps >= max_steps:
                    break
            model.epochs_trained = number
            record = {"epoch": number, "loss": sum(losses) / seen, "accuracy": correct / seen,
                      "seconds": time.perf_counter() - start}
            if isinstance(getattr(optimizer, "lr", None), (int, float, np.floating)):
                record["lr"] = float(optimizer.lr)
            history.append(record)      # (kept should the validation raise)
            if validation_data is not None:
                scores = _scores(model, *validation_data, 128, "fit", "validation_data[0]",
                                 place=home)
                record.update(val_loss=scores["loss"], val_accuracy=scores["accuracy"])
                if bar is not None:
                    bar.set_postfix(loss=f"{record['loss']:.3f}", acc=f"{record['accuracy']:.3f}",
                                    val_loss=f"{scores['loss']:.3f}",
                                    val_acc=f"{scores['accuracy']:.3f}")
        if progress is None and not _interactive():        # a log: one plain line an epoch
            print(_epoch_line(record), file=sys.stderr, flush=True)
        stop = [_stop(callback(dict(record), model), i) for i, callback in enumerate(callbacks)]
        if any(stop) or (max_steps is not None and steps >= max_steps):
            break


def _step(model: Layer, optimizer: Any, xb: Any, yb: Any) -> tuple[Any, float, str | None]:
    """One training step: the logits, the loss, and None, or what is not finite after it
    (the step is then to be undone)."""
    logits, loss = None, math.nan
    try:
        logits, cache = model.forward(xb, training=True)
    except NotFinite as error:   # (the data was checked: the parameters diverged)
        bad = f"{error}"
    else:
        loss, dlogits = softmax_cross_entropy(logits, yb)
        bad = None if math.isfinite(loss) else f"the loss is {loss}"
    bad = bad or _non_finite(model.buffer_values(), "running statistic ")
    if bad is None:
        _, grads = model.backward(cache, dlogits, input_grad=False)
        bad = _non_finite(grads, "gradient of ")
    if bad is None:
        optimizer.step(grads)
        bad = _non_finite(model.params, "parameter ")
    return logits, loss, bad


def _undo(model: Layer, optimizer: Any, kept: tuple[dict, dict, Any]) -> None:
    """Put back the buffers, parameters and optimiser state kept before a step (the forward
    and the optimiser assign new arrays, never write into these)."""
    buffers, params, moments = kept
    for name, value in buffers.items():
        model.set_buffer(name, value)
    for name, value in params.items():
        model.params[name] = value
    _restore_optimizer(optimizer, moments)


def _scheduled(lr_schedule: Callable[[int], float], epoch: int) -> float:
    """The learning rate ``lr_schedule`` gives after ``epoch`` completed epochs, or an error
    naming it."""
    lr = lr_schedule(epoch)
    if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, (int, float, np.integer,
                                                               np.floating)):
        raise TypeError(f"fit: lr_schedule({epoch}) must return a number (the learning rate), "
                        f"got {type(lr).__name__}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"fit: lr_schedule({epoch}) must return a learning rate > 0, got "
                         f"{lr!r}")
    return float(lr)


def predict(model: Layer, x: Any, batch_size: int = 128) -> Any:
    """Logits in evaluation mode, batch by batch, in the array library of x.

    Parameters
    ----------
    model : Layer
        The network.
    x : array
        (N, ...) in any array library; cast to the parameters' dtype.
    batch_size : int
        Examples per forward pass.

    Returns
    -------
    array
        (N, classes), in x's library.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> nn.predict(nn.p4cnn(width=2), np.zeros((3, 1, 28, 28)), batch_size=2).shape
    (3, 10)
    """
    _check_model(model, "predict")
    x = _check_x(x, "predict")
    _fitting(model, x, "predict", "x")
    return _predict(model, x, integer(batch_size, "predict: batch_size", 1, 10**7))


def _predict(model: Layer, x: Any, batch_size: int, what: str | None = None,
             name: str = "x", place: Any = None) -> Any:
    """``predict`` on arguments already checked: lazy on Dask data, or, with ``what`` (the
    caller's name), in memory, each batch read and checked in turn, and moved to ``place``
    (where the model is: fit's training data) if given."""
    model.to(x if place is None else place)
    n = x.shape[0]
    batches = [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    if what is None:
        logits = [model(_in_dtype(x[index, ...], model.dtype)) for index in batches]
    else:
        logits = [model(_in_dtype(_rows(x, index, what, name) if place is None else
                                  moved(_rows(x, index, what, name), place), model.dtype))
                  for index in batches]
    return array_namespace(logits[0]).concat(logits)


def _scores(model: Layer, x: Any, y: Any, batch_size: int, what: str = "evaluate",
            name: str = "x", place: Any = None) -> dict[str, float]:
    """``evaluate`` on arguments already checked (``fit``'s validation data, every epoch)."""
    logits = _predict(model, x, batch_size, what, name, place)
    if place is not None:
        y = moved(y, place)
    loss, _ = softmax_cross_entropy(logits, y)
    xp = array_namespace(logits)
    return {"loss": loss, "accuracy": _count(xp, _hits(xp, logits, y)) / y.shape[0]}


def evaluate(model: Layer, x: Any, y: Any, batch_size: int = 128) -> dict[str, float]:
    """The mean cross-entropy loss and the accuracy on (x, y), in evaluation mode.

    Parameters
    ----------
    model : Layer
        The network.
    x, y : arrays
        Examples and integer labels (an array or a list), in any array library.
    batch_size : int
        Examples per forward pass.

    Returns
    -------
    dict
        {"loss": float, "accuracy": float}.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> scores = nn.evaluate(nn.p4cnn(width=2), np.zeros((4, 1, 28, 28)), [0, 1, 2, 3])
    >>> sorted(scores)
    ['accuracy', 'loss']
    """
    _check_model(model, "evaluate")
    x = _check_x(x, "evaluate")
    y = _check_y(y, x, "evaluate")
    _check_fits(model, x, y, "evaluate", "x", "y")
    return _scores(model, x, y, integer(batch_size, "evaluate: batch_size", 1, 10**7))


def _stop(answer: Any, i: int) -> bool:
    """A callback's answer: True stops training; None and False go on; anything else is a
    TypeError (a loss returned by mistake would stop training silently)."""
    if answer is None or isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    raise TypeError(f"fit: callbacks[{i}] returned {type(answer).__name__}; a callback returns "
                    f"True to stop training, or None or False to go on")


def _hits(xp, logits: Any, y: Any) -> Any:
    """Where the largest logit is the label's, in a row of finite logits (argmax would take
    an all-NaN row for class 0)."""
    finite = xp.all(xp.isfinite(logits), axis=1)
    return (xp.argmax(logits, axis=1) == y) & finite


def _count(xp, hits: Any) -> int:
    """The number of True entries, in any library (counted in int32: JAX without x64 truncates
    int64, with a warning)."""
    return int(xp.sum(xp.astype(hits, xp.int32)))


def accuracy(model: Layer, x: Any, y: Any, batch_size: int = 128) -> float:
    """The fraction of correctly classified examples (``evaluate``'s "accuracy").

    Parameters
    ----------
    model : Layer
        The network.
    x, y : arrays
        Examples and integer labels (an array or a list), in any array library.
    batch_size : int
        Examples per forward pass.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> net = nn.p4cnn(width=2)
    >>> x = np.random.default_rng(0).standard_normal((4, 1, 28, 28))
    >>> labels = nn.predict(net, x).argmax(axis=1)
    >>> nn.accuracy(net, x, labels)
    1.0
    """
    _check_model(model, "accuracy")
    x = _check_x(x, "accuracy")
    y = _check_y(y, x, "accuracy")
    _check_fits(model, x, y, "accuracy", "x", "y")
    return _scores(model, x, y, integer(batch_size, "accuracy: batch_size", 1, 10**7),
                   "accuracy")["accuracy"]
