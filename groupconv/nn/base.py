"""Layers with forward and backward passes, and their composition, on any array library.

A layer holds parameters (arrays, updated in place by an optimiser) and computes

    y, cache = layer.forward(x, training)        the output, and what the backward pass needs
    dx, grads = layer.backward(cache, dy)        vector-Jacobian products: dL/dx and dL/dparams

from dy = dL/dy. Each call returns its own cache (nothing is kept on the layer or in globals),
so a layer can be applied twice in one graph and the backward passes stay independent.
``backward(cache, dy, input_grad=False)`` may skip dL/dx (and return None) where it costs
work, as for the first layer of a network, whose input is the data.
``layer(x)`` is the forward pass in evaluation mode.

Layers compute in the array library of their input (NumPy, CuPy, PyTorch, array-api-strict:
anything with an array API namespace). Parameters are made in NumPy and follow the data:
``layer.to(x)`` moves them (and buffers such as running statistics) into x's library and onto
its device, in place, and a ``Sequential`` does so by itself when it meets data elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device, is_dask_array, is_jax_array

from ..fast.backend import to_numpy

__all__ = ["Layer", "Sequential", "moved", "same_place"]


def _home(like: Any) -> Any:
    """Where parameters live for data ``like``: with the data, or, for a lazy Dask array, in
    the library of its chunks (NumPy), which every chunk meets."""
    return like._meta if is_dask_array(like) else like


def same_place(a: Any, like: Any) -> bool:
    """Whether ``a`` is in the array library and on the device of ``like``'s parameters."""
    like = _home(like)
    return array_namespace(a) is array_namespace(like) and device(a) == device(like)


def moved(a: Any, like: Any) -> Any:
    """``a`` (same dtype) in the library and on the device of ``like``'s parameters."""
    like = _home(like)
    if same_place(a, like):
        return a
    xp = array_namespace(like)
    host = to_numpy(a)
    if is_jax_array(like):
        return xp.asarray(host)
    return xp.asarray(host.copy(), device=device(like))


class Layer:
    """A differentiable map with parameters ``params`` (a dict of arrays, possibly empty) and
    ``buffers`` (names of other arrays that move with it, such as running statistics)."""

    buffers: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Any]:
        """The output y, and the cache ``backward`` needs."""
        raise NotImplementedError

    def backward(self, cache: Any, dy: Any, input_grad: bool = True
                 ) -> tuple[Any | None, dict[str, Any]]:
        """dL/dx (None when ``input_grad`` is False and it costs work) and dL/dparams."""
        raise NotImplementedError

    def __call__(self, x: Any) -> Any:
        return self.forward(x, training=False)[0]

    def to(self, like: Any) -> Layer:
        """Move parameters and buffers into the library and onto the device of the array
        ``like``, in place (the dict ``params`` keeps its identity); returns the layer."""
        for name, value in self.params.items():
            self.params[name] = moved(value, like)
        for name in self.buffers:
            setattr(self, name, moved(getattr(self, name), like))
        return self

    def follows(self, x: Any) -> bool:
        """Whether the parameters already live where x does."""
        arrays = list(self.params.values()) + [getattr(self, n) for n in self.buffers]
        return not arrays or same_place(arrays[0], x)

    @property
    def n_parameters(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sequential(Layer):
    """Layers applied in order; parameters named "<index>.<name>". Errors raised inside name
    the layer (index and repr)."""

    def __init__(self, layers: Iterable[Layer]):
        super().__init__()
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential takes Layers, got {type(layer).__name__} at {i}")
        self._collect()

    def _collect(self) -> None:
        for i, layer in enumerate(self.layers):
            for name, value in layer.params.items():
                self.params[f"{i}.{name}"] = value  # the same arrays: updates reach the layer

    def to(self, like: Any) -> Sequential:
        for layer in self.layers:
            layer.to(like)
        self._collect()
        return self

    def follows(self, x: Any) -> bool:
        return all(layer.follows(x) for layer in self.layers)

    def forward(self, x, training=False):
        if not self.follows(x):
            self.to(x)
        caches = []
        for i, layer in enumerate(self.layers):
            try:
                x, cache = layer.forward(x, training)
            except (ValueError, TypeError) as error:
                if type(error) not in (ValueError, TypeError):
                    raise
                message = str(error)
                if not message.startswith(repr(layer)):
                    message = f"{layer!r}: {message}"
                raise type(error)(f"layer {i}, {message}") from None
            caches.append(cache)
        return x, caches

    def names(self) -> list[str]:
        """Each layer's name: its class and its occurrence, e.g. "BankConv[0]", "ReLU[2]"."""
        seen: dict[str, int] = {}
        out = []
        for layer in self.layers:
            kind = type(layer).__name__
            out.append(f"{kind}[{seen.get(kind, 0)}]")
            seen[kind] = seen.get(kind, 0) + 1
        return out

    def feature_maps(self, x: Any, at: Iterable[int | str] | None = None) -> dict[str, Any]:
        """The outputs of the layers named in ``at`` (indices, or names as ``names()`` gives
        them, e.g. "ReLU[1]"; default: every layer) for input x, in evaluation mode:
        {name: array}, in the order of the network."""
        names = self.names()
        wanted = set(range(len(self.layers))) if at is None else set()
        for key in at or ():
            if isinstance(key, (int, np.integer)) and not isinstance(key, bool) \
                    and -len(names) <= key < len(names):
                wanted.add(int(key) % len(names))
            elif isinstance(key, str) and key in names:
                wanted.add(names.index(key))
            else:
                raise ValueError(f"feature_maps: no layer {key!r}; the layers are indices "
                                 f"0..{len(names) - 1} or names {names}")
        maps = {}
        if not self.follows(x):
            self.to(x)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in wanted:
                maps[names[i]] = x
        return maps

    def backward(self, cache, dy, input_grad=True):
        grads = {}
        for i in range(len(self.layers) - 1, -1, -1):
            dy, layer_grads = self.layers[i].backward(cache[i], dy, input_grad or i > 0)
            grads.update({f"{i}.{name}": g for name, g in layer_grads.items()})
        return dy, grads

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)  # {self.n_parameters} parameters"
