"""Training: softmax cross-entropy, SGD with momentum, Adam, mini-batches with fixed seeds, on
the array library of the data.

    model = p4cnn()
    history = fit(model, x_train, y_train, epochs=5, optimizer=Adam(model.params), seed=0)
    accuracy(model, x_test, y_test)

``fit``, ``predict`` and ``accuracy`` move the model's parameters to the data's library and
device (``Layer.to``) first: CuPy arrays train on the GPU. The progress bar uses tqdm
(``tqdm.auto``: a widget in Jupyter, text elsewhere) when it is installed (extra ``examples``)
and is silent otherwise; each epoch's bar stays, with that epoch's loss and accuracy.
A loss that stops being finite (a learning rate too large, say) stops training with a
ValueError that names the epoch and step.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from ..fast.backend import indices
from .base import Layer

__all__ = ["softmax_cross_entropy", "SGD", "Adam", "minibatches", "fit", "predict", "accuracy"]


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

    logits (B, K) real floats; labels (B,) integers in 0..K-1."""
    xp = array_namespace(logits)
    if not xp.isdtype(logits.dtype, "real floating"):
        raise TypeError(f"softmax_cross_entropy: logits must be real floats, got "
                        f"{logits.dtype}")
    if logits.ndim != 2 or logits.shape[0] < 1:
        raise ValueError(f"softmax_cross_entropy: expected logits (B, K) with B >= 1, got "
                         f"shape {tuple(logits.shape)}")
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
    """v <- momentum v + g (+ weight_decay p);  p <- p - lr v.  Updates the arrays in place."""

    def __init__(self, params: dict[str, Any], lr: float = 0.01, momentum: float = 0.9,
                 weight_decay: float = 0.0):
        self.params, self.lr, self.momentum, self.weight_decay = params, lr, momentum, weight_decay
        self.velocity: dict[str, Any] = {}

    def step(self, grads: dict[str, Any]) -> None:
        for name, p in self.params.items():
            g = grads[name] + self.weight_decay * p if self.weight_decay else grads[name]
            v = self.velocity.get(name)
            if v is None or v.shape != p.shape or array_namespace(v) is not array_namespace(p):
                v = self.velocity[name] = array_namespace(p).zeros_like(p)
            v *= self.momentum
            v += g
            p -= self.lr * v


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction; updates the arrays in place:

        m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
        p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    """

    def __init__(self, params: dict[str, Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m: dict[str, Any] = {}
        self.v: dict[str, Any] = {}
        self.t = 0

    def step(self, grads: dict[str, Any]) -> None:
        self.t += 1
        b1, b2 = self.betas
        for name, p in self.params.items():
            xp = array_namespace(p)
            g = grads[name]
            m = self.m.get(name, 0.0)
            v = self.v.get(name, 0.0)
            self.m[name] = m = b1 * m + (1 - b1) * g
            self.v[name] = v = b2 * v + (1 - b2) * g * g
            m_hat = m / (1 - b1 ** self.t)
            v_hat = v / (1 - b2 ** self.t)
            p -= xp.astype(self.lr * m_hat / (xp.sqrt(v_hat) + self.eps), p.dtype)


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Indices of a fresh random permutation, in batches (the last one may be smaller)."""
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _progress(iterable, total: int, enabled: bool, description: str):
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=description, leave=True)


def _check_data(model: Any, x: Any, y: Any, what: str) -> Any:
    if not isinstance(model, Layer):
        raise TypeError(f"{what}: model must be a groupconv.nn Layer, got "
                        f"{type(model).__name__}")
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise TypeError(f"{what}: x must be an array, got {type(x).__name__}")
    xp = array_namespace(x)
    if not xp.isdtype(x.dtype, "real floating"):
        raise TypeError(f"{what}: x must be real floats (float32 or float64), got {x.dtype}")
    if x.ndim < 1 or x.shape[0] < 1:
        raise ValueError(f"{what}: x must hold at least one example, got shape "
                         f"{tuple(x.shape)}")
    if y is not None:
        y = y if array_namespace(y) is xp else xp.asarray(np.asarray(y), device=device(x))
        _check_labels(xp, y, x.shape[0], 2**62, what)
    return y


def _positive(value: Any, name: str, most: int = 10**7) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {value!r}")
    if not 1 <= value <= most:
        raise ValueError(f"{name} must be an int in 1..{most}, got {value!r}")
    return int(value)


def fit(model: Layer, x: Any, y: Any, *, epochs: int = 1, batch_size: int = 32,
        optimizer: Any = None, seed: int = 0, progress: bool = True,
        max_steps: int | None = None) -> list[dict[str, float]]:
    """Train with softmax cross-entropy; returns per-epoch mean loss and training accuracy.

    x (N, ...) real floats and y (N,) integer labels, in any array library (the model moves
    there). Deterministic for a given ``seed`` (batch order) and model initialisation.
    """
    if y is None:
        raise TypeError("fit: labels must be an integer array, got None")
    y = _check_data(model, x, y, "fit")
    epochs, batch_size = _positive(epochs, "epochs"), _positive(batch_size, "batch_size")
    if max_steps is not None:
        max_steps = _positive(max_steps, "max_steps")
    xp = array_namespace(x)
    model.to(x)
    optimizer = optimizer or Adam(model.params)
    rng = np.random.default_rng(seed)
    history = []
    steps = 0
    for epoch in range(epochs):
        losses, correct, seen = [], 0, 0
        batches = list(minibatches(x.shape[0], batch_size, rng))
        bar = _progress(batches, len(batches), progress, f"epoch {epoch + 1}/{epochs}")
        for index in bar:
            picks = indices(index, x)
            xb, yb = xp.take(x, picks, axis=0), xp.take(y, picks, axis=0)
            logits, cache = model.forward(xb, training=True)
            loss, dlogits = softmax_cross_entropy(logits, yb)
            if not math.isfinite(loss):
                raise ValueError(f"fit: the loss is {loss} at epoch {epoch + 1}, step "
                                 f"{steps + 1}: training diverged (try a smaller learning "
                                 f"rate)")
            _, grads = model.backward(cache, dlogits, input_grad=False)
            optimizer.step(grads)
            losses.append(loss)
            correct += int(xp.sum(xp.astype(xp.argmax(logits, axis=1) == yb, xp.int64)))
            seen += len(index)
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{np.mean(losses):.3f}", acc=f"{correct / seen:.3f}")
            steps += 1
            if max_steps is not None and steps >= max_steps:
                break
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)),
                        "accuracy": correct / max(seen, 1)})
        if hasattr(bar, "close"):
            bar.close()
        if max_steps is not None and steps >= max_steps:
            break
    return history


def predict(model: Layer, x: Any, batch_size: int = 128) -> Any:
    """Logits in evaluation mode, batch by batch, in the array library of x."""
    _check_data(model, x, None, "predict")
    batch_size = _positive(batch_size, "batch_size")
    xp = array_namespace(x)
    model.to(x)
    return xp.concat([model(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)])


def accuracy(model: Layer, x: Any, y: Any, batch_size: int = 128) -> float:
    """Fraction of correctly classified examples."""
    if y is None:
        raise TypeError("accuracy: labels must be an integer array, got None")
    y = _check_data(model, x, y, "accuracy")
    xp = array_namespace(x)
    hits = xp.argmax(predict(model, x, batch_size), axis=1) == y
    return float(xp.mean(xp.astype(hits, xp.float64)))
