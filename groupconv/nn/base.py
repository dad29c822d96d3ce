"""Layers with forward and backward passes, and their composition.

A layer holds parameters (NumPy arrays, updated in place by an optimiser) and computes

    y, cache = layer.forward(x, training)        the output, and what the backward pass needs
    dx, grads = layer.backward(cache, dy)        vector-Jacobian products: dL/dx and dL/dparams

from dy = dL/dy. Each call returns its own cache (nothing is kept on the layer or in globals),
so a layer can be applied twice in one graph and the backward passes stay independent.
``backward(cache, dy, input_grad=False)`` may skip dL/dx (and return None) where it costs
work, as for the first layer of a network, whose input is the data.
``layer(x)`` is the forward pass in evaluation mode.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Layer", "Sequential"]


class Layer:
    """A differentiable map with parameters ``params`` (a dict of arrays, possibly empty)."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray, training: bool = False) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    def backward(self, cache: Any, dy: np.ndarray, input_grad: bool = True
                 ) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x, training=False)[0]

    @property
    def n_parameters(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sequential(Layer):
    """Layers applied in order; parameters named "<index>.<name>"."""

    def __init__(self, layers: Iterable[Layer]):
        super().__init__()
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential takes Layers, got {type(layer).__name__} at {i}")
            for name, value in layer.params.items():
                self.params[f"{i}.{name}"] = value  # the same arrays: updates reach the layer

    def forward(self, x, training=False):
        caches = []
        for layer in self.layers:
            x, cache = layer.forward(x, training)
            caches.append(cache)
        return x, caches

    def backward(self, cache, dy, input_grad=True):
        grads = {}
        for i in range(len(self.layers) - 1, -1, -1):
            dy, layer_grads = self.layers[i].backward(cache[i], dy, input_grad or i > 0)
            grads.update({f"{i}.{name}": g for name, g in layer_grads.items()})
        return dy, grads

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)  # {self.n_parameters} parameters"
