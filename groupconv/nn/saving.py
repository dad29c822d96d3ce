"""Saving and loading a network: its parameters, its buffers and its architecture, in one .npz.

    nn.save(model, "p4cnn.npz")
    model = nn.load("p4cnn.npz")

The file holds every parameter ("param/<name>") and buffer ("buffer/<name>", such as batch
normalisation's running statistics) as a NumPy array, and the architecture as JSON text (each
layer's ``config()``: its type and constructor arguments, groups by name), with the number of
epochs trained (so that ``fit`` continues its seeding after a load). Nothing is pickled: the file
loads with ``numpy.load(..., allow_pickle=False)`` and rebuilds the network from groupconv's own
layer types. Arrays come back in NumPy; ``fit``, ``predict`` and calling the network move them
to the data's library.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ..fast.backend import to_numpy
from ..fast.banks import bank_for
from ..groups import get_group
from .base import InputSizes, Layer, Sequential, space_from_config
from .conv import BankConv
from .layers import (
    BatchNorm, Dropout, Flatten, GlobalPool, Linear, ReLU, SiLU, SpatialPool, SubgroupPool,
)

__all__ = ["save", "load", "from_config", "FORMAT"]

#: The format's name and version, recorded in every file.
FORMAT = "groupconv.nn/1"


def save(model: Layer, path: str | os.PathLike) -> None:
    """Write ``model``'s parameters, buffers and architecture to the .npz file ``path``.

    Parameters
    ----------
    model : Layer
        A network (``Sequential``) or a layer of ``groupconv.nn``, in any array library.
    path : str or path-like
        The file (``numpy.savez`` appends ".npz" when the name lacks it).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from groupconv import nn
    >>> net = nn.p4cnn(width=2)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "p4cnn.npz"
    >>> nn.save(net, path)
    >>> again = nn.load(path)
    >>> x = np.random.default_rng(0).standard_normal((1, 1, 28, 28)).astype(np.float32)
    >>> bool(np.array_equal(net(x), again(x)))
    True
    """
    if not isinstance(model, Layer):
        raise TypeError(f"save: model must be a groupconv.nn Layer, got {type(model).__name__}")
    header = {"format": FORMAT, "model": model.config(),
              "epochs_trained": int(model.epochs_trained)}
    arrays = {"architecture": np.array(json.dumps(header))}
    arrays.update({f"param/{name}": to_numpy(value) for name, value in model.params.items()})
    arrays.update({f"buffer/{name}": to_numpy(value)
                   for name, value in model.buffer_values().items()})
    np.savez(path, **arrays)


def load(path: str | os.PathLike) -> Layer:
    """The network ``save`` wrote to ``path``, rebuilt from its architecture, with its
    parameters and buffers (NumPy arrays).

    Parameters
    ----------
    path : str or path-like
        A file written by ``save``.

    Returns
    -------
    Layer
        The network; ``epochs_trained`` as saved.
    """
    with np.load(path, allow_pickle=False) as data:
        if "architecture" not in data.files:
            raise ValueError(f"load: {os.fspath(path)!r} was not written by groupconv.nn.save "
                             f"(no architecture)")
        header = json.loads(str(data["architecture"]))
        if header.get("format") != FORMAT:
            raise ValueError(f"load: {os.fspath(path)!r} has format {header.get('format')!r}; "
                             f"this groupconv reads {FORMAT!r}")
        model = from_config(header["model"])
        stored = {name: data[name] for name in data.files if name != "architecture"}
    expected = {f"param/{name}": value for name, value in model.params.items()}
    expected.update({f"buffer/{name}": value for name, value in model.buffer_values().items()})
    if set(stored) != set(expected):
        missing, extra = sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected))
        raise ValueError(f"load: the arrays of {os.fspath(path)!r} do not match its "
                         f"architecture (missing {missing}, unexpected {extra})")
    for key, value in stored.items():
        like = expected[key]
        if value.shape != like.shape or value.dtype != like.dtype:
            raise ValueError(f"load: {key} has shape {value.shape} and dtype {value.dtype}; "
                             f"the architecture needs {like.shape} and {like.dtype}")
        kind, name = key.split("/", 1)
        if kind == "param":
            model.params[name] = value
        else:
            model.set_buffer(name, value)
    model.epochs_trained = int(header.get("epochs_trained", 0))
    return model


def from_config(config: dict[str, Any]) -> Layer:
    """A layer (with fresh parameters) from the ``config()`` of a groupconv.nn layer."""
    if not isinstance(config, dict) or "type" not in config:
        raise ValueError(f"a layer's config is a dict with a 'type', got {config!r}")
    kind = config["type"]
    args = {key: value for key, value in config.items() if key != "type"}
    if "space" in args:
        args["space"] = space_from_config(args["space"])
    if "dtype" in args:
        args["dtype"] = np.dtype(args["dtype"])
    if kind == "Sequential":
        sizes = args.get("input_sizes")
        return Sequential([from_config(layer) for layer in args["layers"]],
                          name=args.get("name"),
                          input_sizes=None if sizes is None else InputSizes(*sizes))
    if kind == "BankConv":
        bank = bank_for(get_group(args.pop("group")), args.pop("kind"))
        return BankConv(bank, args.pop("c_in"), args.pop("c_out"), args.pop("k"), **args)
    types = {cls.__name__: cls for cls in (ReLU, SiLU, SubgroupPool, SpatialPool, BatchNorm,
                                           GlobalPool, Flatten, Linear, Dropout)}
    if kind not in types:
        raise ValueError(f"unknown layer type {kind!r}; groupconv.nn rebuilds "
                         f"{sorted(types) + ['BankConv', 'Sequential']}")
    return types[kind](**args)
