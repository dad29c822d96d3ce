"""Layers with forward and backward passes, and their composition, on any array library.

A layer holds parameters (arrays, updated in place by an optimiser) and computes

    y, cache = layer.forward(x, training)        the output, and what the backward pass needs
    dx, grads = layer.backward(cache, dy)        vector-Jacobian products: dL/dx and dL/dparams

from dy = dL/dy. Each call returns its own cache (nothing is kept on the layer or in globals),
so a layer can be applied twice in one graph and the backward passes stay independent (a
``Sequential`` holds each layer once: its parameters would otherwise be counted, named and
updated twice).
``backward(cache, dy, input_grad=False)`` may skip dL/dx (and return None) where it costs
work, as for the first layer of a network, whose input is the data.
``layer(x)`` is the forward pass in evaluation mode.

Every layer states the space it reads and the space it writes (``groupconv.groups.Space``: the
plane Z^d, the group G, its point samples, or invariant vectors). A convolution knows both from
its bank (``input_space``, ``output_space``); a layer that acts on any space (ReLU, batch
normalisation, pooling) writes a space that depends on what it reads (``output_space_for``), and
a ``Sequential`` binds it to the space the previous layer writes, so that the pooling layers
know their point axis and their d spatial axes. ``groupconv.check_equivariance(layer)`` reads
these spaces.

Layers compute in the array library of their input (NumPy, CuPy, PyTorch, array-api-strict:
anything with an array API namespace). Parameters are made in NumPy and follow the data:
``layer.to(x)`` moves them (and buffers such as running statistics) into x's library and onto
its device, in place, and a ``Sequential`` does so by itself when it meets data elsewhere.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device, is_dask_array, is_jax_array

from ..arguments import counted, flag, integer
from ..fast.backend import to_numpy
from ..fast.validation import as_float
from ..groups import AffineGroup, Space, get_group, registered

__all__ = ["Layer", "Sequential", "Parameters", "LayerParameters", "InputSizes", "moved",
           "same_place", "checked_input", "checked_dy"]


#: The most weights a layer is built with (2^28: 1 GiB in float32): more is a mistake in the
#: arguments (or a corrupted file), refused before any memory is drawn.
MOST_WEIGHTS = 2**28


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
        out = xp.asarray(host)
        if out.dtype != host.dtype:
            raise TypeError(f"JAX runs without {host.dtype} here (jax_enable_x64 is off): "
                            f"moving {host.dtype} parameters there would round them to "
                            f"{out.dtype}; enable it (jax.config.update('jax_enable_x64', "
                            f"True)) or build the network in float32")
        return out
    return xp.asarray(host.copy(), device=device(like))


def _traced(x: Any) -> bool:
    """Whether x is a JAX tracer (inside jax.jit, jax.grad, ...): no place to move to."""
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(x, jax.core.Tracer)


def untraced_state(layer: Layer, x: Any, what: str) -> None:
    """A TypeError where a layer that changes its own state in training (``what``) is traced
    by JAX: the state would keep tracers that break the layer after the trace (and a jitted
    step would replay its first random draws on every call)."""
    if _traced(x):
        raise TypeError(f"{layer!r}: a training forward updates {what} in place, which "
                        f"jax.jit and jax.grad cannot trace: run training steps eagerly "
                        f"(nn.fit does, with the layers' own backward), or trace the "
                        f"evaluation forward (training=False) only")


def _short_hint(shape: tuple[int, ...], space: Space, channels: int | None) -> str:
    """" (...)": what an input one axis short of (B, C, [S,] *spatial) most likely lacks: the
    point axis (data on the plane given to a layer on the group), the batch axis (it starts
    with the channels), the channel axis (of one channel), or a spatial axis (an array of
    another dimension, for a group on Z^d)."""
    if len(shape) != space.core + 1:
        return ""
    point = space.point_axis
    if point and channels is not None and shape[1] == channels != space.samples:
        return (f" (data on the plane? it reads as (B, C, *spatial), without the point axis of "
                f"{space.samples} samples this layer reads: a lifting layer takes data on the "
                f"plane onto the group)")
    if point:          # (C, S, ...) one example; (B, C, S, ...) with a spatial axis fewer
        one = shape[1] == space.samples and channels in (None, shape[0])
        batched = shape[2] == space.samples
    else:
        one, batched = channels in (None, shape[0]), shape[1] == channels
    fewer = "" if space.dim == 1 or not batched else (
        f"{space.dim - 1}D arrays? it reads as (B, C, {'S, ' if point else ''}...) with "
        f"{counted(space.dim - 1, 'spatial axis', 'spatial axes')}, but {space.group.name} "
        f"acts on Z^{space.dim}: for "
        f"{space.dim - 1}D arrays use a group on Z^{space.dim - 1}")
    if one:
        return " (one example? a batch of one is x[None]" + (f"; or {fewer})" if fewer else ")")
    if point and channels is None:     # a layer that does not know its channels (a pool)
        plane = (f"data on the plane? it reads as (B, C, *spatial), without the point axis of "
                 f"{space.samples} samples this layer reads")
        return f" ({fewer}; or {plane})" if fewer else f" ({plane})"
    if channels == 1:
        return " (no channel axis? x[:, None] adds it)"
    return f" ({fewer})" if fewer else ""


def _other_group_hint(samples: int, space: Space) -> str:
    """" (...)": the registered groups on the same Z^d whose point axis has ``samples``
    samples, for a feature map of another group (a p4m map, 8 samples, into a p4 layer)."""
    names = sorted({group.name for group in registered().values()
                    if group.dim == space.dim and getattr(group, "samples", None) == samples})
    if not names:
        return ""
    listed = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
    return (f" (a point axis of {samples} samples, not {space.samples}: a feature map of "
            f"another group, such as {listed}?)")


def checked_input(layer: Layer, x: Any, training: Any) -> Any:
    """A layer's forward arguments: x as real floats (the rule of ``groupconv.fast.validation``)
    and ``training`` a bool, or a TypeError naming the layer."""
    flag(training, f"{layer!r}: training")
    return as_float(x, f"{layer!r}: input")


def checked_cache(layer: Layer, cache: Any, parts: int | None) -> Any:
    """The cache a layer's forward returned, as its backward reads it: an array (``parts``
    None) or a tuple of ``parts`` items; anything else (None, another layer's cache) is a
    TypeError naming the layer."""
    ok = hasattr(cache, "shape") and hasattr(cache, "dtype") if parts is None else \
        isinstance(cache, tuple) and len(cache) == parts
    if not ok:
        raise TypeError(f"{layer!r}: backward takes the cache this layer's forward returned "
                        f"(forward(x, training=True)[1]), got {type(cache).__name__}")
    return cache


def checked_dy(layer: Layer, dy: Any, shape: tuple[int, ...]) -> Any:
    """dy = dL/dy as real floats of the output's ``shape`` (no broadcasting), in the layer's
    parameters' dtype as the forward computed (torch mixes no dtypes), or an error naming the
    layer and the shape it expected."""
    dy = as_float(dy, f"{layer!r}: dy")
    if tuple(dy.shape) != tuple(shape):
        raise ValueError(f"{layer!r}: dy must have the shape of the layer's output "
                         f"{tuple(shape)}, got shape {tuple(dy.shape)}")
    return _in_dtype(dy, layer.dtype)


#: torch.nn.Module's methods a layer does not have, and what to do instead
TORCH_METHODS = {
    "train": "groupconv's layers keep no mode; forward(x, training=True) computes in training "
             "mode (batch statistics, dropout), calling the layer in evaluation mode, and "
             "nn.fit trains",
    "eval": "groupconv's layers keep no mode; calling the layer computes in evaluation mode",
    "parameters": "layer.params is a dict of the arrays by name",
    "named_parameters": "layer.params is a dict of the arrays by name",
    "state_dict": "nn.save(model, path) writes the parameters and buffers, nn.load(path) "
                  "rebuilds the model",
    "load_state_dict": "nn.load(path) rebuilds a saved model (nn.save)",
    "zero_grad": "the gradients are returned, not kept: layer.backward(cache, dy) returns "
                 "(dx, grads)",
    "cuda": "layer.to(x) moves the layer to x's array library and device",
}


class Layer:
    """A differentiable map with parameters ``params`` (a dict of arrays, possibly empty) and
    ``buffers`` (names of other arrays that move with it, such as running statistics), that
    reads one space and writes another.

    A layer of your own subclasses it and writes ``forward(x, training)`` -> (y, cache) and
    ``backward(cache, dy, input_grad=True)`` -> (dx, grads); ``layer(x)`` is the evaluation
    forward's y.

    Parameters
    ----------
    space : Space, optional
        The space it reads (``bind``); default: bound when first used, or by ``Sequential``.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> class Double(nn.Layer):
    ...     def forward(self, x, training=False):
    ...         return 2 * x, None
    ...     def backward(self, cache, dy, input_grad=True):
    ...         return 2 * dy, {}
    >>> Double()(np.ones(3)).tolist()
    [2.0, 2.0, 2.0]
    """

    buffers: tuple[str, ...] = ()
    #: Epochs of ``fit`` this model has been trained for (``fit`` seeds each epoch's batch
    #: order from its seed and this count, so that training continues across calls).
    epochs_trained: int = 0

    def __init__(self, space: Space | None = None) -> None:
        self.params = LayerParameters(self)
        self.space: Space | None = None
        if space is not None:
            self.bind(space)

    def __getattr__(self, name: str) -> Any:
        """For a torch module's method, an AttributeError that says groupconv's way
        (``TORCH_METHODS``); called only where normal lookup found nothing (else Python's own
        error again: a property's getter that raised names its own missing attribute)."""
        said = TORCH_METHODS.get(name)
        if said is None:
            return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r} (torch's "
                             f"{name}(): {said})")

    @property
    def params(self) -> MutableMapping:
        """The parameters by name (``LayerParameters``; a ``Sequential``'s: ``Parameters``)."""
        return self._params

    @params.setter
    def params(self, value: Any) -> None:
        """A new mapping: taken as it is while the layer's parameters are not yet fixed (its
        constructor fixes them: ``LayerParameters.freeze``); after that, only the same names,
        each replaced by an array of its shape and dtype."""
        if isinstance(value, Parameters) or (isinstance(value, LayerParameters)
                                             and value._owner is self):
            self._params = value
            return
        if not isinstance(value, Mapping):
            raise TypeError(f"{self!r}: params must be a mapping of names to arrays, got "
                            f"{type(value).__name__}")
        current = self.__dict__.get("_params")
        if isinstance(current, LayerParameters) and current.frozen:
            if set(value) != set(current):
                raise ValueError(f"{self!r}: params must keep the names "
                                 f"{sorted(current)} (the layer's architecture), got "
                                 f"{sorted(value)}")
            current._arrays.update({   # every array checked before any is changed
                name: _replacement(self, f"params[{name!r}]", current[name], array)
                for name, array in value.items()})
            return
        fresh = LayerParameters(self)
        for name, array in value.items():
            fresh[name] = array
        self._params = fresh

    # ------------------------------------------------------------- spaces
    @property
    def input_space(self) -> Space | None:
        """The space this layer reads, or None for a layer not yet bound to one (it acts on
        any space its ``accepts``)."""
        return self.space

    @property
    def output_space(self) -> Space | None:
        """The space this layer writes (None while its input space is unknown)."""
        return None if self.input_space is None else self.output_space_for(self.input_space)

    def accepts(self, space: Space) -> bool:
        """Whether the layer can read arrays of ``space``."""
        return self.input_space is None or self.input_space == space

    @property
    def input_channels(self) -> int | None:
        """The number of input channels the layer needs, or None for any."""
        return None

    #: Whether the layer writes as many channels as it reads (activations, normalisation,
    #: pooling, dropout). Read from the class that sets it only: a subclass that does not say
    #: again (it may change the channels) is taken to write an unknown number.
    keeps_channels: bool = False
    #: Whether the layer reads vectors (B, F) (a linear layer), not (B, C, [S,] *spatial).
    reads_vectors: bool = False

    def output_channels_for(self, channels: int | None) -> int | None:
        """The number of channels written when reading ``channels`` (None: not known before
        a call)."""
        return channels if type(self).__dict__.get("keeps_channels", False) else None

    def output_space_for(self, space: Space) -> Space | None:
        """The space written when reading ``space`` (the same space, for a layer that does not
        change it; None where the output transforms in no way the library names)."""
        return space

    def bind(self, space: Space) -> Layer:
        """Fix the space the layer reads (a Sequential does this); returns the layer."""
        if not isinstance(space, Space):
            raise TypeError(f"{self!r}: a space must be a groupconv Space (Space.on_group(G), "
                            f"Space.on_plane(G)), got {type(space).__name__}")
        if not self.accepts(space):
            if self.input_space is not None:
                raise ValueError(f"{self!r} reads {self.input_space!r}, not {space!r}")
            raise ValueError(f"{self!r} cannot read {space!r}; it reads "
                             f"{self._readable('G')}")
        self.space = space
        return self

    def _readable(self, group: str) -> str:
        """The spaces of a group (named ``group`` in the text) that this unbound layer reads,
        in words (``accepts`` asks of an unbound layer's space only whether it has a point axis
        and spatial axes: p4's spaces stand for any group's)."""
        p4 = get_group("p4")
        names = [f"Space.{name}({group})" for name in ("on_group", "on_plane")
                 if self.accepts(getattr(Space, name)(p4))]
        return " or ".join(names) or "no space of a group"

    def _bound(self) -> Space:
        """The bound space, or a ValueError that says how to give one."""
        if self.space is None:
            raise ValueError(f"{self!r} acts on the point axis or the spatial axes, and needs "
                             f"to know which: build it with space={self._readable('G')}, or "
                             f"put it in a Sequential after a convolution")
        return self.space

    def _checked_layout(self, x: Any) -> None:
        """A ValueError unless x is (B, *the bound space's layout): its number of axes, and
        the length of its point axis (for a space that has one)."""
        space = self.input_space if self.input_space is not None else self._bound()
        if x.ndim != space.core + 2 or (space.point_axis and x.shape[2] != space.samples):
            channels = self.input_channels
            layout = space.layout("C" if channels is None else channels).removeprefix("(..., ")
            hint = _short_hint(tuple(x.shape), space, channels)
            if not hint and space.point_axis and x.ndim == space.core + 2:
                hint = _other_group_hint(x.shape[2], space)
            raise ValueError(f"{self!r} expects (B, {layout} ({space!r}), got shape "
                             f"{tuple(x.shape)}{hint}")

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Any]:
        """The output y, and the cache ``backward`` needs."""
        raise NotImplementedError

    def backward(self, cache: Any, dy: Any, input_grad: bool = True
                 ) -> tuple[Any | None, dict[str, Any]]:
        """dL/dx (None when ``input_grad`` is False and it costs work) and dL/dparams."""
        raise NotImplementedError

    def __call__(self, x: Any) -> Any:
        """y = layer(x): the output in evaluation mode, ``forward(x, training=False)[0]``.

        Evaluation mode: batch normalisation uses its running statistics, dropout is the
        identity, and no cache is kept for a backward pass.

        Parameters
        ----------
        x : array
            The input, in the layer's input space (``input_space``), in any supported array
            library; the layer's parameters move there.

        Returns
        -------
        array
            The output, in the same library.

        Examples
        --------
        >>> import numpy as np
        >>> from groupconv import nn
        >>> layer = nn.LiftingConv("p4", 1, 2, 3, rng=0)
        >>> layer(np.ones((1, 1, 5, 5), np.float32)).shape        # (B, C_out, S, H', W')
        (1, 2, 4, 3, 3)
        """
        return self.forward(x, training=False)[0]

    def to(self, like: Any) -> Layer:
        """Move parameters and buffers into the library and onto the device of the array
        ``like``, in place (the dict ``params`` keeps its identity); returns the layer."""
        if _traced(like):              # storing tracers would break the layer after the trace
            raise TypeError(f"{self!r}: inside jax.jit or jax.grad, a layer's parameters must "
                            f"already be JAX arrays: call layer.to(jnp.zeros(1)) once before "
                            f"tracing")
        for name, value in self.params.items():
            self.params[name] = moved(value, like)
        for name in self.buffers:
            setattr(self, name, moved(getattr(self, name), like))
        return self

    def follows(self, x: Any) -> bool:
        """Whether the parameters already live where x does."""
        arrays = list(self.params.values()) + [getattr(self, n) for n in self.buffers]
        if _traced(x):                                   # a tracer has no device
            return all(is_jax_array(a) for a in arrays)
        return not arrays or all(same_place(a, x) for a in arrays)

    @property
    def n_parameters(self) -> int:
        # the product of the shape: .size is a method in torch
        return int(sum(math.prod(p.shape) for p in self.params.values()))

    @property
    def dtype(self) -> Any:
        """The dtype of the parameters (None for a layer without any): a network computes in
        it (``Sequential`` casts its input)."""
        return next((p.dtype for p in self.params.values()), None)

    def buffer_values(self) -> dict[str, Any]:
        """The arrays named in ``buffers`` (state that is not trained, such as running
        statistics), by name."""
        return {name: getattr(self, name) for name in self.buffers}

    def set_buffer(self, name: str, value: Any) -> None:
        """Replace the buffer ``name`` (an assignment, not an in-place write: immutable arrays
        such as JAX's work too)."""
        if name not in self.buffers:
            raise KeyError(f"{self!r} has no buffer {name!r}; its buffers: {self.buffers}")
        setattr(self, name, value)

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this layer (JSON values), with its "type":
        what ``groupconv.nn.save`` records so that ``load`` can rebuild the network."""
        raise TypeError(f"{type(self).__name__} does not record its architecture (it has no "
                        f"config()): groupconv.nn.save stores the layers of groupconv.nn")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _replacement(owner: Any, shown: str, old: Any, value: Any) -> Any:
    """``value`` where it may replace the parameter ``old``: an array (any library) of old's
    shape and dtype (the layer's architecture and dtype hold it: a kernel of another size would
    be used as it is and saved under a config that no longer describes it), else an error that
    names ``shown``."""
    shape, dtype = tuple(old.shape), dtype_name(old.dtype)
    want = f"an array of shape {shape} and dtype {dtype}"
    if not hasattr(value, "shape") or not hasattr(value, "dtype"):
        raise TypeError(f"{owner!r}: {shown} must be {want}, got {type(value).__name__}")
    if tuple(value.shape) != shape or dtype_name(value.dtype) != dtype:
        raise ValueError(f"{owner!r}: {shown} must be {want} (the layer's architecture and "
                         f"dtype: build a new layer for others), got shape "
                         f"{tuple(value.shape)} and dtype {dtype_name(value.dtype)}")
    return value


class LayerParameters(MutableMapping):
    """A layer's parameters by name: a dict whose entries, once made, are replaced only by
    arrays of the same shape and dtype, in any library (as the optimisers and ``Layer.to`` do),
    and are never removed; once its layer's constructor has made them all (``freeze``), no
    name is added either (a new "bias" on a layer built without one, or a misspelt name,
    would be a parameter its config does not describe).

    Parameters
    ----------
    owner : Layer
        The layer whose parameters they are (named in errors).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> layer = nn.LiftingConv("p4", 1, 2, 3, rng=0)
    >>> layer.params["weight"] = np.zeros((2, 1, 3, 3), np.float32)       # same shape: kept
    >>> layer.params["weight"] = np.zeros((2, 1, 5, 5), np.float32)
    Traceback (most recent call last):
    ...
    ValueError: BankConv(LatticeBank(P4, lifting), c_in=1, c_out=2, k=3, mode='valid'): params['weight'] must be an array of shape (2, 1, 3, 3) and dtype float32 (the layer's architecture and dtype: build a new layer for others), got shape (2, 1, 5, 5) and dtype float32
    """

    def __init__(self, owner: Any) -> None:
        self._owner = owner
        self._arrays: dict[str, Any] = {}
        self.frozen = False

    def freeze(self) -> None:
        """Fix the names: from now on no parameter is added (a layer's constructor calls it
        once it has made them all)."""
        self.frozen = True

    def __getitem__(self, name: str) -> Any:
        return self._arrays[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.replace(name, value, f"params[{name!r}]")

    def replace(self, name: str, value: Any, shown: str) -> None:
        """Set parameter ``name`` (a new one: any array; an existing one: checked), naming it
        ``shown`` in an error."""
        old = self._arrays.get(name)
        if old is None and self.frozen:
            raise ValueError(f"{self._owner!r} has no parameter {name!r} (its parameters: "
                             f"{', '.join(self._arrays) or 'none'}): its parameters are fixed "
                             f"by its constructor; build a new layer for others")
        if old is None:
            if not hasattr(value, "shape") or not hasattr(value, "dtype"):
                raise TypeError(f"{self._owner!r}: {shown} must be an array, got "
                                f"{type(value).__name__}")
            self._arrays[name] = value
        else:
            self._arrays[name] = _replacement(self._owner, shown, old, value)

    def __delitem__(self, name: str) -> None:
        raise TypeError(f"{self._owner!r}: the parameters of a layer cannot be removed (its "
                        f"forward reads {name!r})")

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        return f"LayerParameters({', '.join(self)})"


class Parameters(MutableMapping):
    """The parameters of a ``Sequential``, named "<index>.<name>": a live view of its layers'
    own dicts, so that assigning an entry (as the optimisers do: ``params[name] = new``, which
    works for immutable arrays too) updates the layer, and a layer's update shows here.

    Parameters
    ----------
    layers : list of Layer
        The network's layers.

    Examples
    --------
    >>> from groupconv import nn
    >>> net = nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, rng=0), nn.BatchNorm(2)])
    >>> sorted(net.params)
    ['0.bias', '0.weight', '1.beta', '1.gamma']
    >>> net.params["1.gamma"] is net.layers[1].params["gamma"]
    True
    """

    def __init__(self, layers: list[Layer]):
        self._layers = layers

    def _split(self, key: str) -> tuple[Layer, str]:
        index, dot, name = key.partition(".") if isinstance(key, str) else ("", "", "")
        if not (dot and index.isdigit() and int(index) < len(self._layers)
                and name in self._layers[int(index)].params):
            raise KeyError(key)
        return self._layers[int(index)], name

    def __getitem__(self, key: str) -> Any:
        layer, name = self._split(key)
        return layer.params[name]

    def __setitem__(self, key: str, value: Any) -> None:
        layer, name = self._split(key)
        params = layer.params
        if isinstance(params, LayerParameters):
            params.replace(name, value, f"params[{key!r}]")
        else:       # a layer whose params property is a mapping of its own
            params[name] = value

    def __delitem__(self, key: str) -> None:
        raise TypeError("the parameters of a network cannot be removed")

    def __iter__(self) -> Iterator[str]:
        for i, layer in enumerate(self._layers):
            for name in layer.params:
                yield f"{i}.{name}"

    def __len__(self) -> int:
        return sum(len(layer.params) for layer in self._layers)

    def __repr__(self) -> str:
        return f"Parameters({', '.join(self)})"


@dataclass(frozen=True)
class InputSizes:
    """The spatial sizes a network takes, by one rule on every spatial axis:
    n = least + step j, j = 0, 1, 2, ...

    Parameters
    ----------
    least : int
        The smallest side.
    step : int
        The steps between sides.

    Examples
    --------
    >>> from groupconv.nn import InputSizes
    >>> sizes = InputSizes(28, 2)
    >>> str(sizes), sizes.accepts(30), sizes.accepts(27)
    ('n even and at least 28', True, False)
    """

    least: int
    step: int = 1

    def __post_init__(self) -> None:
        integer(self.least, "InputSizes least", 1, 2**20)
        integer(self.step, "InputSizes step", 1, 2**20)

    def accepts(self, n: int) -> bool:
        """Whether a side of n pixels is one of the sizes."""
        return n >= self.least and (n - self.least) % self.step == 0

    def __str__(self) -> str:
        return self.describe("n")

    def describe(self, side: str) -> str:
        """The rule in words, of ``side`` (e.g. "n", "each side")."""
        if self.step == 1:
            return f"{side} at least {self.least}"
        if self.step == 2:
            return f"{side} {'odd' if self.least % 2 else 'even'} and at least {self.least}"
        return f"{side} = {self.least} + {self.step} j (j = 0, 1, 2, ...)"


class Sequential(Layer):
    """Layers applied in order; parameters named "<index>.<name>". Errors raised inside name
    the layer (index and repr) and say what the network's input became there.

    A network that knows the inputs it takes (its ``name`` and ``input_sizes``: the paper's
    networks do) checks them first, and refuses others in its own terms, e.g. "P4CNN takes
    inputs (B, 1, H, W) with each side even and at least 28: got shape (1, 27, 27)".

    Parameters
    ----------
    layers : iterable of Layer
        The layers, first to last; pooling layers that act on any space take the space of the
        layer before them.
    name : str, optional
        The network's name, in its messages.
    input_sizes : InputSizes, optional
        The spatial sizes the network takes.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> net = nn.Sequential([nn.LiftingConv("p4", 1, 3, 3, rng=0), nn.ReLU(),
    ...                      nn.SubgroupPool("max"), nn.GlobalPool("mean")])
    >>> net.names()
    ['BankConv[0]', 'ReLU[0]', 'SubgroupPool[0]', 'GlobalPool[0]']
    >>> net(np.ones((2, 1, 7, 7), np.float32)).shape
    (2, 3)
    """

    def __init__(self, layers: Iterable[Layer], *, name: str | None = None,
                 input_sizes: InputSizes | None = None):
        super().__init__()
        if isinstance(layers, Layer) or not isinstance(layers, Iterable):
            raise TypeError(f"Sequential takes a list of Layers, got {type(layers).__name__}"
                            + (f": Sequential([{type(layers).__name__}(...)])"
                               if isinstance(layers, Layer) else ""))
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential takes Layers, got {type(layer).__name__} at {i}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Sequential name must be a str, got {name!r}")
        if input_sizes is not None and not isinstance(input_sizes, InputSizes):
            raise TypeError(f"input_sizes must be an InputSizes, got {input_sizes!r}")
        self.name, self.input_sizes = name, input_sizes
        seen: dict[int, str] = {}
        dtypes: dict[str, str] = {}       # each dtype, and the first layer that has it
        for path, layer in self._leaves():
            where = ".".join(map(str, path))
            if id(layer) in seen:
                raise ValueError(f"Sequential: layer {where} is the same object as layer "
                                 f"{seen[id(layer)]}, {layer!r}: a network holds each layer "
                                 f"once (its parameters would be counted and updated twice); "
                                 f"make a second layer")
            seen[id(layer)] = where
            if layer.dtype is not None:
                dtypes.setdefault(dtype_name(layer.dtype), where)
        if len(dtypes) > 1:
            raise ValueError(f"Sequential: the layers' parameters have different dtypes "
                             f"({', '.join(f'{d} from layer {i}' for d, i in dtypes.items())}): "
                             f"a network computes in one dtype; pass the same dtype= to each")
        self._bind_spaces()
        self._check_channels()
        if input_sizes is not None and (self.input_space is None or not self.input_space.spatial
                                        or self.input_channels is None):
            raise ValueError("input_sizes need a first layer that states its input space and "
                             "channels (a convolution)")
        self.params = Parameters(self.layers)

    def _leaves(self, prefix: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Layer]]:
        """(index path, layer) of every layer that is not a Sequential, nested ones included."""
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Sequential):
                yield from layer._leaves(prefix + (i,))
            else:
                yield prefix + (i,), layer

    def _bind_spaces(self) -> None:
        """Propagate spaces from the first layer that states one: each layer that acts on any
        space is bound to what the layer before it writes, and a layer that reads a fixed space
        must get that space. The layers before it that write the space they read (a
        BatchNorm, a ReLU) are bound to its space too: a batch normalisation of the input then
        knows its domain (the hexagon's cells, whose values alone count)."""
        first = next((i for i, layer in enumerate(self.layers)
                      if layer.input_space is not None), None)
        if first is not None:
            stated = self.layers[first].input_space
            for layer in reversed(self.layers[:first]):
                if not layer.accepts(stated) or layer.output_space_for(stated) != stated:
                    break
                layer.bind(stated)
        space = None
        for i, layer in enumerate(self.layers):
            if space is not None:
                if not layer.accepts(space):
                    raise ValueError(f"layer {i}, {layer!r}, reads {layer.input_space!r} but "
                                     f"layer {i - 1} writes {space!r}")
                layer.bind(space)
            space = layer.output_space

    def _check_channels(self) -> None:
        """A ValueError where a layer, at any depth, needs another number of channels than the
        layers before it write (found when the network is built, not at its first call), or
        reads vectors where they write arrays with a point axis or spatial axes."""
        channels, source, previous = None, "", ""
        for path, layer in self._leaves():
            where = ".".join(map(str, path))
            space = layer.input_space
            if layer.reads_vectors and space is not None and (space.point_axis or
                                                              space.spatial):
                pools = " and ".join(["a SubgroupPool (over the point axis)"] * space.point_axis
                                     + ["a GlobalPool (over space)"] * space.spatial)
                raise ValueError(f"layer {where}, {layer!r}, reads vectors (B, F), but the "
                                 f"layers before it write {space!r}, "
                                 f"arrays {space.layout('C')}: put {pools} before it, "
                                 f"or a Flatten")
            needs = layer.input_channels
            if channels is not None and needs is not None and needs != channels:
                between = "" if source == previous else " (the layers between keep the count)"
                raise ValueError(f"layer {where}, {layer!r}, reads {needs} channels but layer "
                                 f"{source} writes {channels}{between}")
            written = layer.output_channels_for(needs if needs is not None else channels)
            if needs is not None or written != channels:    # this layer sets the count
                source = f"{where}, {layer!r},"
            channels, previous = written, f"{where}, {layer!r},"

    def output_channels_for(self, channels: int | None) -> int | None:
        for layer in self.layers:
            needs = layer.input_channels
            channels = layer.output_channels_for(needs if needs is not None else channels)
        return channels

    @property
    def input_space(self) -> Space | None:
        return self.layers[0].input_space if self.layers else None

    @property
    def input_channels(self) -> int | None:
        return self.layers[0].input_channels if self.layers else None

    def accepts(self, space: Space) -> bool:
        return not self.layers or self.layers[0].accepts(space)

    def output_space_for(self, space: Space) -> Space | None:
        for layer in self.layers:
            if space is None:
                return None
            space = layer.input_space or space
            space = layer.output_space_for(space)
        return space

    def bind(self, space: Space) -> Sequential:
        if self.layers and self.layers[0].input_space is None:
            self.layers[0].bind(space)
            self._bind_spaces()
        elif not self.accepts(space):
            raise ValueError(f"the network reads {self.input_space!r}, not {space!r}")
        return self

    def to(self, like: Any) -> Sequential:
        for layer in self.layers:
            layer.to(like)
        return self

    def buffer_values(self) -> dict[str, Any]:
        return {f"{i}.{name}": value for i, layer in enumerate(self.layers)
                for name, value in layer.buffer_values().items()}

    def set_buffer(self, name: str, value: Any) -> None:
        index, _, inner = name.partition(".")
        if not index.isdigit() or int(index) >= len(self.layers):
            raise KeyError(f"the network has no buffer {name!r}; its buffers: "
                           f"{list(self.buffer_values())}")
        self.layers[int(index)].set_buffer(inner, value)

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"type": "Sequential",
                                  "layers": [layer.config() for layer in self.layers]}
        # layers that draw from one generator (gcnn's Dropouts share the network's), at any
        # depth: their index paths, so that load shares it again and the draws continue as
        # they would have
        by_generator: dict[int, list[list[int]]] = {}
        for path, layer in self._leaves():
            if isinstance(getattr(layer, "rng", None), np.random.Generator):
                by_generator.setdefault(id(layer.rng), []).append(list(path))
        shared = [group for group in by_generator.values() if len(group) > 1]
        if shared:
            config["shared_rng"] = shared
        if self.name is not None:
            config["name"] = self.name
        if self.input_sizes is not None:
            config["input_sizes"] = [self.input_sizes.least, self.input_sizes.step]
        return config

    def describe_input(self) -> str | None:
        """The inputs the network takes, e.g. "(B, 1, H, W) with each side even and at least
        28", or "(B, 1, n, n) ..." on the hexagonal lattice, whose arrays are square (None
        where its first layer does not say)."""
        space, channels = self.input_space, self.input_channels
        if space is None or channels is None:
            return None
        axes = ["B", str(channels)] + ([str(space.samples)] if space.point_axis else [])
        square = space.dim == 1 or space.group.lattice == "hexagonal"
        sides = ["n"] * space.dim if square else ["D", "H", "W"][3 - space.dim:]
        text = "(" + ", ".join(axes + sides) + ")"
        if self.input_sizes is None:
            return text
        return f"{text} with {self.input_sizes.describe('n' if square else 'each side')}"

    def _check_input(self, x: Any) -> None:
        """The input against ``input_sizes``, or a ValueError in the network's own terms."""
        space = self.input_space
        shape = tuple(getattr(x, "shape", ()))
        axes = 2 + space.core
        fits = hasattr(x, "shape") and len(shape) == axes and \
            shape[1] == self.input_channels and \
            (not space.point_axis or shape[2] == space.samples) and \
            all(self.input_sizes.accepts(int(n)) for n in shape[axes - space.dim:])
        if not fits:
            got = f"shape {shape}" if hasattr(x, "shape") else type(x).__name__
            hint = _short_hint(shape, space, self.input_channels)
            if not hint and len(shape) == axes and shape[1] != self.input_channels and \
                    shape[-1] == self.input_channels and not space.point_axis:
                order = ", ".join(["0", str(axes - 1)] + [str(a) for a in range(1, axes - 1)])
                hint = (f" (channels last? the channels come before the spatial axes: "
                        f"x.transpose({order}) in NumPy, x.permute({order}) in torch)")
            if not hint and len(shape) == axes and shape[1] != self.input_channels and \
                    self.name and not space.point_axis:
                hint = (f" ({shape[1]} channels: build the network with in_channels="
                        f"{shape[1]}, as nn.gcnn and the other builders take it)")
            raise ValueError(f"{self.name or 'the network'} takes inputs "
                             f"{self.describe_input()}: got {got}{hint}")

    def follows(self, x: Any) -> bool:
        return all(layer.follows(x) for layer in self.layers)

    def forward(self, x, training=False):
        """The layers in order; the input is cast to the parameters' dtype first (a network
        computes in one dtype: float64 data through float32 weights computes in float32)."""
        flag(training, f"{self.name or 'Sequential'}: training")
        what = f"{self.name or 'Sequential'}: input"
        x = as_float(x, what)          # (a nested list too, as the correlations take it)
        if self.input_sizes is not None:
            self._check_input(x)
        if not self.follows(x):
            self.to(x)
        x = _in_dtype(x, self.dtype)
        shape = tuple(getattr(x, "shape", ()))
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
                reached = f" (the input, of shape {shape}, reaches layer {i} as " \
                    f"{tuple(x.shape)})" if i and hasattr(x, "shape") else ""
                raise type(error)(f"layer {i}, {message}{reached}") from None
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
        if isinstance(at, (str, int, np.integer)):          # one layer, not its letters
            at = [at]
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
        what = f"{self.name or 'Sequential'}.feature_maps: x"
        x = as_float(x, what)
        if not self.follows(x):
            self.to(x)
        x = _in_dtype(x, self.dtype)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in wanted:
                maps[names[i]] = x
        return maps

    def backward(self, cache, dy, input_grad=True):
        if not isinstance(cache, list) or len(cache) != len(self.layers):
            raise TypeError(f"backward takes the cache of this network's forward (a list of "
                            f"{len(self.layers)}), got {type(cache).__name__}")
        input_grad = flag(input_grad, "backward: input_grad")
        grads = {}
        for i in range(len(self.layers) - 1, -1, -1):
            try:
                dy, layer_grads = self.layers[i].backward(cache[i], dy, input_grad or i > 0)
            except (ValueError, TypeError) as error:
                if type(error) not in (ValueError, TypeError):
                    raise
                raise type(error)(f"layer {i}, {error}") from None
            grads.update({f"{i}.{name}": g for name, g in layer_grads.items()})
        return dy, grads

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)  # {self.n_parameters} parameters"


def group_name(group: AffineGroup) -> str:
    """A name that ``get_group`` turns back into ``group`` (for a saved architecture): its
    registered name, or a sampled group's own name; a ValueError for an unregistered group."""
    for name in (group.name, *registered()):
        try:
            if get_group(name) == group:
                return name
        except (ValueError, TypeError):
            continue
    raise ValueError(f"the group {group.name} has no name that get_group knows: register it "
                     f"(groupconv.groups.register) before saving, and again before loading")


def space_config(space: Space | None) -> dict[str, Any] | None:
    """A space as JSON values (None stays None)."""
    if space is None:
        return None
    return {"group": group_name(space.group), "point_axis": space.point_axis,
            "spatial": space.spatial}


def space_from_config(config: dict[str, Any] | None) -> Space | None:
    """The space ``space_config`` recorded."""
    if config is None:
        return None
    return Space(get_group(config["group"]), bool(config["point_axis"]), bool(config["spatial"]))


def dtype_name(dtype: Any) -> str:
    """The NumPy name of a parameter dtype ("float32"), from any library's dtype."""
    try:
        return np.dtype(dtype).name
    except TypeError:       # torch.float32 and the like
        return str(dtype).rsplit(".", 1)[-1]


def _in_dtype(x: Any, dtype: Any) -> Any:
    """x, an array of real numbers (checked by the caller: ``as_float``), cast to ``dtype``,
    the parameters'."""
    if dtype is None or x.dtype == dtype:
        return x
    return array_namespace(x).astype(x, dtype)
