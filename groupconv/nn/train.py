"""Training: softmax cross-entropy, SGD with momentum, Adam, mini-batches with fixed seeds.

    model = p4cnn()
    history = fit(model, x_train, y_train, epochs=5, optimizer=Adam(model.params), seed=0)
    accuracy(model, x_test, y_test)

The progress bar uses tqdm when it is installed (extra ``examples``) and is silent otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .base import Layer

__all__ = ["softmax_cross_entropy", "SGD", "Adam", "minibatches", "fit", "predict", "accuracy"]


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean of -log softmax(logits)[label] over the batch, and its gradient w.r.t. the logits."""
    if logits.ndim != 2 or labels.shape != (logits.shape[0],):
        raise ValueError(f"expected logits (B, K) and labels (B,), got {logits.shape} and "
                         f"{labels.shape}")
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(labels)
    loss = -log_p[np.arange(n), labels].mean()
    grad = np.exp(log_p)
    grad[np.arange(n), labels] -= 1
    return float(loss), (grad / n).astype(logits.dtype, copy=False)


class SGD:
    """v <- momentum v + g (+ weight_decay p);  p <- p - lr v.  Updates the arrays in place."""

    def __init__(self, params: dict[str, np.ndarray], lr: float = 0.01, momentum: float = 0.9,
                 weight_decay: float = 0.0):
        self.params, self.lr, self.momentum, self.weight_decay = params, lr, momentum, weight_decay
        self.velocity = {name: np.zeros_like(p) for name, p in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        for name, p in self.params.items():
            g = grads[name] + self.weight_decay * p if self.weight_decay else grads[name]
            v = self.velocity[name]
            v *= self.momentum
            v += g
            p -= self.lr * v


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction. Updates the arrays in place."""

    def __init__(self, params: dict[str, np.ndarray], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = {name: np.zeros_like(p) for name, p in params.items()}
        self.v = {name: np.zeros_like(p) for name, p in params.items()}
        self.t = 0

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.betas
        for name, p in self.params.items():
            g = grads[name]
            self.m[name] = b1 * self.m[name] + (1 - b1) * g
            self.v[name] = b2 * self.v[name] + (1 - b2) * g * g
            m_hat = self.m[name] / (1 - b1 ** self.t)
            v_hat = self.v[name] / (1 - b2 ** self.t)
            p -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(p.dtype, copy=False)


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
    return tqdm(iterable, total=total, desc=description, leave=False)


def fit(model: Layer, x: np.ndarray, y: np.ndarray, *, epochs: int = 1, batch_size: int = 32,
        optimizer: Any = None, seed: int = 0, progress: bool = True,
        max_steps: int | None = None) -> list[dict[str, float]]:
    """Train with softmax cross-entropy; returns per-epoch mean loss and training accuracy.

    Deterministic for a given ``seed`` (batch order) and model initialisation.
    """
    optimizer = optimizer or Adam(model.params)
    rng = np.random.default_rng(seed)
    history = []
    steps = 0
    for epoch in range(epochs):
        losses, correct, seen = [], 0, 0
        batches = list(minibatches(len(x), batch_size, rng))
        bar = _progress(batches, len(batches), progress, f"epoch {epoch + 1}/{epochs}")
        for index in bar:
            logits, cache = model.forward(x[index], training=True)
            loss, dlogits = softmax_cross_entropy(logits, y[index])
            _, grads = model.backward(cache, dlogits, input_grad=False)
            optimizer.step(grads)
            losses.append(loss)
            correct += int((logits.argmax(axis=1) == y[index]).sum())
            seen += len(index)
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{np.mean(losses):.3f}", acc=f"{correct / seen:.3f}")
            steps += 1
            if max_steps is not None and steps >= max_steps:
                break
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)),
                        "accuracy": correct / max(seen, 1)})
        if max_steps is not None and steps >= max_steps:
            break
    return history


def predict(model: Layer, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """Logits in evaluation mode, batch by batch."""
    return np.concatenate([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


def accuracy(model: Layer, x: np.ndarray, y: np.ndarray, batch_size: int = 128) -> float:
    """Fraction of correctly classified examples."""
    return float((predict(model, x, batch_size).argmax(axis=1) == y).mean())
