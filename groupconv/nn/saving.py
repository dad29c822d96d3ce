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
import zipfile
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
    path = _path(path, "save")
    if os.path.isdir(path):
        raise ValueError(f"save: path {os.fspath(path)!r} is a folder; name a file in it")
    try:
        np.savez(path, **arrays)
    except OSError as error:
        raise ValueError(f"save: cannot write {os.fspath(path)!r}: {error.strerror or error}"
                         f"{'' if not error.filename else f' ({error.filename})'}") from error


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
    path = _path(path, "load")
    if not os.path.exists(path) and os.path.exists(f"{os.fspath(path)}.npz"):
        path = f"{os.fspath(path)}.npz"            # save adds the suffix NumPy needs
    where = repr(os.fspath(path))
    try:
        data = np.load(path, allow_pickle=False)
    except OSError as error:
        raise ValueError(f"load: cannot read {where}: {error.strerror or error}") from None
    except (ValueError, EOFError, zipfile.BadZipFile) as error:
        # NumPy takes any file that is neither .npz nor .npy for a pickle: not what it is here
        why = "not an .npz archive" if "pickle" in str(error) else str(error)
        raise ValueError(f"load: {where} is not a file written by groupconv.nn.save (NumPy cannot "
                         f"read it: {why})") from error
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {where} holds one array (.npy), not a file written by "
                         f"groupconv.nn.save (.npz)")
    with data:
        if "architecture" not in data.files:
            raise ValueError(f"load: {where} was not written by groupconv.nn.save (no "
                             f"architecture)")
        try:
            header = json.loads(str(data["architecture"]))
        except (ValueError, zipfile.BadZipFile, RecursionError) as error:
            raise ValueError(f"load: the architecture of {where} is not readable: {error}") \
                from error
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            found = header.get("format") if isinstance(header, dict) else header
            raise ValueError(f"load: {where} has format {found!r}; this groupconv reads "
                             f"{FORMAT!r}")
        try:
            model = from_config(header["model"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError,
                RecursionError, MemoryError) as error:
            raise ValueError(f"load: the architecture of {where} is not one groupconv.nn "
                             f"builds ({type(error).__name__}: {error})") from error
        try:
            stored = {name: data[name] for name in data.files if name != "architecture"}
        except (ValueError, zipfile.BadZipFile, EOFError) as error:
            raise ValueError(f"load: the arrays of {where} are not readable: {error}") from error
        epochs = header.get("epochs_trained", 0)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"load: {where} records epochs_trained = {epochs!r}; a "
                             f"non-negative int is expected")
    expected = {f"param/{name}": value for name, value in model.params.items()}
    expected.update({f"buffer/{name}": value for name, value in model.buffer_values().items()})
    if set(stored) != set(expected):
        missing, extra = sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected))
        raise ValueError(f"load: the arrays of {where} do not match its "
                         f"architecture (missing {missing}, unexpected {extra})")
    for key, value in stored.items():
        like = expected[key]
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise ValueError(f"load: {key} in {where} holds NaN or infinite values")
        if value.shape != like.shape or value.dtype != like.dtype:
            raise ValueError(f"load: {key} has shape {value.shape} and dtype {value.dtype}; "
                             f"the architecture needs {like.shape} and {like.dtype}")
        if key.endswith("running_var") and np.any(value < 0):      # (a float array now)
            raise ValueError(f"load: {key} in {where} holds a negative variance, "
                             f"{float(value.min())}")
        kind, name = key.split("/", 1)
        if kind == "param":
            model.params[name] = value
        else:
            model.set_buffer(name, value)
    model.epochs_trained = epochs
    return model


def _path(path: Any, op: str) -> str | os.PathLike:
    """A non-empty file path (str or path-like), or an error naming ``path``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{op}: path must be a file path (str or path-like), got "
                        f"{type(path).__name__}")
    if not os.fspath(path):
        raise ValueError(f"{op}: path must name a file, got ''")
    return path


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
        unknown = sorted(set(args) - {"layers", "name", "input_sizes", "shared_rng"})
        if unknown:
            raise TypeError(f"Sequential got an unexpected keyword argument {unknown[0]!r}")
        sizes = args.get("input_sizes")
        layers = [from_config(layer) for layer in args["layers"]]
        for group in args.get("shared_rng", []):     # one generator again, as when saved
            first = layers[group[0]].rng
            for i in group[1:]:
                layers[i].rng = first
        return Sequential(layers, name=args.get("name"),
                          input_sizes=None if sizes is None else InputSizes(*sizes))
    if kind == "BankConv":
        bank = bank_for(get_group(args.pop("group")), args.pop("kind"))
        return BankConv(bank, args.pop("c_in"), args.pop("c_out"), args.pop("k"), **args)
    types = {cls.__name__: cls for cls in (ReLU, SiLU, SubgroupPool, SpatialPool, BatchNorm,
                                           GlobalPool, Flatten, Linear, Dropout)}
    if kind not in types:
        raise ValueError(f"unknown layer type {kind!r}; groupconv.nn rebuilds "
                         f"{sorted(types) + ['BankConv', 'Sequential']}")
    if kind == "Dropout":
        return Dropout.from_config(**args)
    return types[kind](**args)
