"""Saving and loading a network: its parameters, its buffers and its architecture, in one .npz.

    nn.save(model, "p4cnn.npz")
    model = nn.load("p4cnn.npz")

The file holds every parameter ("param/<name>") and buffer ("buffer/<name>", such as batch
normalisation's running statistics) as a NumPy array, and the architecture as JSON text (each
layer's ``config()``: its type and constructor arguments, groups by name, with each group's
point elements' matrices, so that a name registered for another group is refused on load), with
the number of epochs trained (so that ``fit`` continues its seeding after a load). Nothing is
pickled: the file loads with ``numpy.load(..., allow_pickle=False)`` and rebuilds the network
from groupconv's own layer types. Arrays come back in NumPy; ``fit``, ``predict`` and calling
the network move them to the data's library. ``save(model, path, optimizer=opt)`` also keeps the
optimiser (its settings, step count and moments: "optimizer/<slot>/<name>"), which
``load_optimizer`` rebuilds for the loaded model, so that training resumes exactly where it
stopped.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..fast.backend import to_numpy
from ..fast.banks import bank_for
from ..groups import UnknownGroup, get_group
from .base import InputSizes, Layer, Sequential, dtype_name, space_from_config
from .conv import BankConv
from .layers import (
    BatchNorm, Dropout, Flatten, GlobalPool, Linear, ReLU, SiLU, SpatialPool, SubgroupPool,
    generator_from_state, generator_state,
)
from .train import SGD, Adam, _non_finite, _same_params

__all__ = ["save", "load", "load_optimizer", "from_config", "FORMAT"]

#: The format's name and version, recorded in every file.
FORMAT = "groupconv.nn/1"


def save(model: Layer, path: str | os.PathLike, *, optimizer: SGD | Adam | None = None,
         architecture: bool = True) -> None:
    """Write ``model``'s parameters, buffers and architecture to the .npz file ``path``, and
    ``optimizer``'s state if given.

    Parameters
    ----------
    model : Layer
        A network (``Sequential``) or a layer of ``groupconv.nn``, in any array library.
    path : str or path-like
        The file (".npz" is appended when the name lacks it, as ``numpy.savez`` does); an
        existing one is replaced whole, once the new one is written.
    optimizer : SGD or Adam, optional
        The optimiser training ``model`` (made from its ``params``): its settings, step count
        and moments are saved too, for ``load_optimizer``.
    architecture : bool
        Record the architecture, so that ``load(path)`` rebuilds the network: every layer must
        be one of groupconv.nn's own classes (a subclass of yours, or a layer of your own, is
        refused: load would rebuild something else). False: the parameters, buffers and
        Dropout generators alone, for ``load(path, into=model)`` into a network you build
        yourself.

    Returns
    -------
    None
        The file is written.

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
    if not isinstance(architecture, bool):
        raise TypeError(f"save: architecture must be True or False, got {architecture!r}")
    config = _architecture(model) if architecture else None
    header = {"format": FORMAT, "model": config, "epochs_trained": int(model.epochs_trained),
              "groups": {name: _group_record(get_group(name))
                         for name in sorted(_group_names(config))},
              "generators": _generators(model)}
    arrays = {f"param/{name}": to_numpy(value) for name, value in model.params.items()}
    arrays.update({f"buffer/{name}": to_numpy(value)
                   for name, value in model.buffer_values().items()})
    if optimizer is not None:
        if not isinstance(optimizer, (SGD, Adam)):
            raise TypeError(f"save: optimizer must be an nn.SGD or nn.Adam, got "
                            f"{type(optimizer).__name__}")
        if not _same_params(optimizer.params, model.params):
            raise ValueError("save: optimizer updates other parameters than the model's: pass "
                             "the one that trains this model")
        header["optimizer"] = optimizer.config()
        arrays.update({f"optimizer/{slot}/{name}": to_numpy(value)
                       for slot, values in optimizer.state().items()
                       for name, value in values.items()})
    bad = _non_finite(arrays)
    if bad is not None:
        raise ValueError(f"save: {bad} (training diverged?); load would refuse the file")
    arrays["architecture"] = np.array(json.dumps(header))
    path = _path(path, "save")
    target = os.fspath(path) if os.fspath(path).endswith(".npz") else f"{os.fspath(path)}.npz"
    if os.path.isdir(path) or os.path.isdir(target):
        raise ValueError(f"save: path {os.fspath(path)!r} is a folder; name a file in it")
    # written beside the target (through a link, to the file it names), then moved onto it:
    # a crash mid-write leaves an existing file as it was, and a replaced file keeps its mode
    target = os.path.realpath(target)
    temporary = f"{target}.{os.getpid()}-{threading.get_ident()}.partial"
    try:
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
        if os.path.exists(target):
            shutil.copymode(target, temporary)
        os.replace(temporary, target)
    except BaseException as error:
        if os.path.exists(temporary):
            os.unlink(temporary)
        if not isinstance(error, OSError):
            raise
        where = "" if not error.filename or error.filename == temporary else \
            f" ({error.filename})"
        raise ValueError(f"save: cannot write {os.fspath(path)!r}: {error.strerror or error}"
                         f"{where}") from error


def load(path: str | os.PathLike, *, into: Layer | None = None) -> Layer:
    """The network ``save`` wrote to ``path``, rebuilt from its architecture, with its
    parameters and buffers (NumPy arrays); or, with ``into``, those loaded into a network
    built by the caller.

    Parameters
    ----------
    path : str or path-like
        A file written by ``save``.
    into : Layer, optional
        A network with the saved parameters' and buffers' names, shapes and dtypes (a network
        with layers of your own, saved with ``architecture=False``): they are replaced by the
        saved ones (its Dropouts' generators too, shared as they were), and it is returned.
        Where the file records an architecture, ``into``'s must be the same (its workspace,
        momentum, dtype and generators' states aside).

    Returns
    -------
    Layer
        The network; ``epochs_trained`` as saved.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from groupconv import nn
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "weights.npz"
    >>> nn.save(nn.p4cnn(width=2, rng=0), path, architecture=False)
    >>> net = nn.load(path, into=nn.p4cnn(width=2, rng=1))
    >>> bool(np.array_equal(net.params["0.weight"], nn.p4cnn(width=2, rng=0).params["0.weight"]))
    True
    """
    header, stored, where = _read(path, "load")
    if into is not None and not isinstance(into, Layer):
        raise TypeError(f"load: into must be a groupconv.nn Layer (the network to load the "
                        f"weights into), got {type(into).__name__}")
    if into is None and "model" in header and header["model"] is None:
        raise ValueError(f"load: {where} holds parameters and buffers without an architecture "
                         f"(saved with architecture=False): build the network and load them "
                         f"into it, nn.load(path, into=model)")
    if into is None and not isinstance(header.get("model"), dict):
        raise ValueError(f"load: the header of {where} holds no architecture (its 'model': "
                         f"{header.get('model', 'missing')!r:.60})")
    try:
        if into is None:
            _check_groups(header, where)     # (its own errors say what is wrong)
            model = from_config(header["model"])
        else:
            model = into
    except UnknownGroup as error:
        raise ValueError(f"load: {where} holds a network on a group not registered here "
                         f"({error}): register the group (groupconv.register) before load, as "
                         f"it was when the network was saved") from error
    except _GroupRecordError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError,
            RecursionError, MemoryError) as error:
        raise ValueError(f"load: the architecture of {where} is not one groupconv.nn "
                         f"builds ({type(error).__name__}: {error})") from error
    if into is not None and isinstance(header.get("model"), dict):
        difference = _difference(header["model"], _config_or_none(into))
        if difference is not None:
            raise ValueError(f"load: {where} holds another architecture than the network "
                             f"given as into ({difference}): its weights would mean something "
                             f"else there")
    epochs = header.get("epochs_trained", 0)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"load: {where} records epochs_trained = {epochs!r}; a "
                         f"non-negative int is expected")
    stored = {key: value for key, value in stored.items() if not key.startswith("optimizer/")}
    expected = {f"param/{name}": value for name, value in model.params.items()}
    expected.update({f"buffer/{name}": value for name, value in model.buffer_values().items()})
    _match(stored, expected, where, "load", "its architecture" if into is None else
           "the network given as into")
    for key, value in stored.items():
        if key.endswith("running_var") and np.any(value < 0):      # (a float array now)
            raise ValueError(f"load: {key} in {where} holds a negative variance, "
                             f"{float(value.min())}")
        kind, name = key.split("/", 1)
        if kind == "param":
            model.params[name] = value
        else:
            model.set_buffer(name, value)
    if into is not None:     # (a rebuilt network has them from its architecture's config)
        _restore_generators(header.get("generators"), into, where)
    model.epochs_trained = epochs
    return model


def _dropouts(model: Layer, path: str = "") -> Iterator[tuple[str, Dropout]]:
    """(path, layer) of every Dropout in ``model``, "3" or "1.0" by their places in the
    Sequentials: their generators are state that training moves on."""
    if isinstance(model, Dropout):
        yield path, model
    elif isinstance(model, Sequential):
        for i, layer in enumerate(model.layers):
            yield from _dropouts(layer, f"{path}.{i}" if path else str(i))


def _generators(model: Layer) -> dict[str, Any]:
    """The Dropouts' generators: their states ("states") and which one each Dropout draws
    from ("layers": path -> index), so that layers sharing a generator share it again."""
    states: list[dict[str, Any]] = []
    index: dict[int, int] = {}
    layers = {}
    for path, layer in _dropouts(model):
        if id(layer.rng) not in index:
            index[id(layer.rng)] = len(states)
            states.append(generator_state(layer.rng))
        layers[path] = index[id(layer.rng)]
    return {"states": states, "layers": layers}


def _restore_generators(record: Any, model: Layer, where: str) -> None:
    """The saved generators put into ``model``'s Dropouts, place by place, shared as they
    were: training resumed after ``load`` draws the masks the saved run would have."""
    if record is None:                  # (a file with no generators: its Dropouts' configs)
        return
    found = dict(_dropouts(model))
    layers = record.get("layers") if isinstance(record, dict) else None
    states = record.get("states") if isinstance(record, dict) else None
    if not isinstance(layers, dict) or not isinstance(states, list) or \
            not all(isinstance(i, int) and 0 <= i < len(states) for i in layers.values()):
        raise ValueError(f"load: {where} records its Dropout generators as {record!r}, not as "
                         f"save writes them")
    if set(layers) != set(found):
        raise ValueError(f"load: {where} holds Dropout layers at {sorted(layers)}, the "
                         f"network at {sorted(found)}")
    try:
        generators = [generator_from_state(state) for state in states]
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"load: {where}: a Dropout generator cannot be restored ({error})"
                         ) from None
    for path, i in layers.items():
        found[path].set_generator(generators[i])


def load_optimizer(path: str | os.PathLike, model: Layer) -> SGD | Adam:
    """The optimiser ``save(..., optimizer=...)`` wrote to ``path``, rebuilt to train
    ``model`` (the network loaded from the same file): its settings, step count and moments.

    Parameters
    ----------
    path : str or path-like
        A file written by ``save`` with an optimiser.
    model : Layer
        The network it will train, with the saved parameters' names and shapes.

    Returns
    -------
    SGD or Adam
        Bound to ``model.params``: ``fit(model, ..., optimizer=it)`` trains on exactly as the
        saved run would have (on NumPy data, or without Dropout: a torch, CuPy or JAX dropout
        generator is seeded afresh from the restored NumPy one).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from groupconv import nn
    >>> net = nn.p4cnn(width=2)
    >>> opt = nn.Adam(net.params, lr=1e-3)
    >>> x, y = np.zeros((4, 1, 28, 28), np.float32), np.arange(4)
    >>> _ = nn.fit(net, x, y, batch_size=2, optimizer=opt)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.npz"
    >>> nn.save(net, path, optimizer=opt)
    >>> again = nn.load(path)
    >>> nn.load_optimizer(path, again).t
    2
    """
    if not isinstance(model, Layer):
        raise TypeError(f"load_optimizer: model must be a groupconv.nn Layer, got "
                        f"{type(model).__name__}")
    header, stored, where = _read(path, "load_optimizer")
    config = header.get("optimizer")
    if config is None:
        raise ValueError(f"load_optimizer: {where} holds no optimiser (save it with "
                         f"nn.save(model, path, optimizer=opt))")
    if not isinstance(config, dict):
        raise ValueError(f"load_optimizer: the optimiser of {where} is not readable: {config!r}")
    args = dict(config)
    kind, t = args.pop("type", None), args.pop("t", 0)
    kinds = {"SGD": SGD, "Adam": Adam}
    if kind not in kinds:
        raise ValueError(f"load_optimizer: {where} holds an optimiser of type {kind!r}; "
                         f"groupconv.nn rebuilds {sorted(kinds)}")
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise ValueError(f"load_optimizer: {where} records a step count t = {t!r}")
    try:
        optimizer = kinds[kind](model.params, **args)
    except (TypeError, ValueError) as error:
        raise ValueError(f"load_optimizer: the optimiser of {where} is not one groupconv.nn "
                         f"builds ({error})") from error
    if kind == "Adam":
        optimizer.t = t
    slots = optimizer.state()
    found = {key: value for key, value in stored.items() if key.startswith("optimizer/")}
    params = dict(model.params)
    for key, value in found.items():
        _, slot, name = key.split("/", 2)
        if slot not in slots or name not in params:
            raise ValueError(f"load_optimizer: {key} in {where} matches no state of {kind} "
                             f"for this model (its parameters: {list(params)})")
        like = params[name]
        dtype = np.dtype(dtype_name(like.dtype))
        if tuple(value.shape) != tuple(like.shape) or value.dtype != dtype:
            raise ValueError(f"load_optimizer: {key} has shape {value.shape} and dtype "
                             f"{value.dtype}; the parameter {name} has shape "
                             f"{tuple(like.shape)} and dtype {dtype} (its moments are kept "
                             f"in its dtype)")
        if slot == "v" and bool(np.any(value < 0)):
            raise ValueError(f"load_optimizer: {key} in {where} holds negative values; Adam's "
                             f"second moments (running means of squared gradients) are >= 0")
        slots[slot][name] = value
    # every step updates every parameter's moments: a slot holds all of them or, before the
    # first step, none (a missing one would restart from zero under a step count past it)
    stepped = t > 0 if kind == "Adam" else bool(found)
    for slot, values in slots.items():
        wrong = sorted(set(params) - set(values)) if stepped else sorted(values)
        if wrong:
            names = f"{wrong[:3]}{' ...' if len(wrong) > 3 else ''}"
            raise ValueError(
                f"load_optimizer: {where} holds " + (
                    f"no {slot!r} of {kind} for {names}, and after its first step "
                    f"{f'(t = {t}) ' if kind == 'Adam' else ''}{kind} keeps one for every "
                    f"parameter" if stepped else
                    f"{kind}'s {slot!r} for {names}, and before its first step "
                    f"{'(t = 0) ' if kind == 'Adam' else ''}{kind} keeps none"))
    return optimizer


def _architecture(model: Layer) -> dict[str, Any]:
    """``model.config()``, checked to rebuild the same classes: ``from_config`` rebuilds
    groupconv.nn's own layers only, so a subclass (a ReLU of yours that scales its output) or
    a layer of your own would come back as something else."""
    hint = ("save its parameters and buffers alone, nn.save(model, path, architecture=False), "
            "and load them into the network you build: nn.load(path, into=model)")
    try:
        config = model.config()
        rebuilt = from_config(config)
    except (TypeError, ValueError) as error:
        raise TypeError(f"save: the network's architecture cannot be recorded ({error}); "
                        f"{hint}") from error

    def pairs(a: Layer, b: Layer, where: str):
        yield a, b, where
        if isinstance(a, Sequential) and isinstance(b, Sequential):
            for i, (u, v) in enumerate(zip(a.layers, b.layers)):
                yield from pairs(u, v, f"{where}layer {i}, " if where else f"layer {i}, ")
    for ours, again, where in pairs(model, rebuilt, ""):
        if type(ours) is not type(again):
            raise TypeError(f"save: {where}{type(ours).__module__}.{type(ours).__qualname__}, "
                            f"would be loaded as groupconv's {type(again).__name__} (its "
                            f"config() names that type), which may compute something else; "
                            f"{hint}")
    return config


#: Settings of a layer's config that do not change what its weights mean (a dtype that
#: differs is named by the parameters' check; a Dropout's generator is restored, not compared).
_FREE_SETTINGS = frozenset({"max_workspace", "momentum", "dtype", "rng_state"})


def _config_or_none(model: Layer) -> Any:
    """``model.config()``, or None for a network with layers of the caller's own."""
    try:
        return model.config()
    except (TypeError, ValueError, NotImplementedError):
        return None


def _difference(saved: Any, given: Any, where: str = "model") -> str | None:
    """Where two architectures differ, "layers[0].group: 'P4' saved, 'P4M' given", ignoring
    ``_FREE_SETTINGS``; None where they agree or ``given`` is None (not recorded)."""
    if given is None:
        return None
    if isinstance(saved, dict) and isinstance(given, dict):
        if saved.get("type") != given.get("type"):
            return f"{where}: a {saved.get('type')} saved, a {given.get('type')} given"
        # the layers first, then a layer's group: where they differ, that says most
        for key in sorted((saved.keys() | given.keys()) - _FREE_SETTINGS,
                          key=lambda key: (key not in ("layers", "group"), key)):
            found = _difference(saved.get(key), given.get(key), f"{where}.{key}") \
                if key in saved and key in given else \
                f"{where}.{key}: {'saved only' if key in saved else 'given only'}"
            if found is not None:
                return found
        return None
    if isinstance(saved, list) and isinstance(given, list):
        first = next((found for i, (a, b) in enumerate(zip(saved, given))
                      if (found := _difference(a, b, f"{where}[{i}]")) is not None), None)
        if len(saved) != len(given):
            count = f"{where}: {len(saved)} saved, {len(given)} given"
            first = count if first is None else f"{first}; {count}"
        return first
    return None if saved == given else f"{where}: {saved!r} saved, {given!r} given"


def _group_names(config: Any) -> set[str]:
    """The names of the groups an architecture names (its convolutions' and spaces')."""
    if isinstance(config, dict):
        return set().union(*(({value} if key == "group" and isinstance(value, str) else
                              _group_names(value)) for key, value in config.items()))
    if isinstance(config, list):
        return set().union(*(_group_names(value) for value in config))
    return set()


def _group_record(group: Any) -> dict[str, Any]:
    """What a group's name stands for: its lattice and its point elements' matrices, in the
    order of the point axis (the translations are the lattice's)."""
    return {"lattice": group.lattice,
            "points": np.asarray(group.point_elements().matrix(), float).tolist()}


class _GroupRecordError(ValueError):
    """A file's record of its groups is missing, unreadable or differs from the groups
    registered here under those names (``load`` passes its message on as it is)."""


def _check_groups(header: dict[str, Any], where: str) -> None:
    """The groups the file records against those registered here under the same names: a
    name registered for other matrices, or another order of them, would rebuild the network
    on another group, and its weights would mean something else (integer matrices compared
    exactly; the sampled groups' real ones to 1e-9, since cos and sin may round otherwise
    elsewhere)."""
    recorded = header.get("groups")
    if not isinstance(recorded, dict):
        raise _GroupRecordError(f"load: {where} holds no readable record of its groups (the "
                               f"header's 'groups': {recorded!r:.60}; a file saved before "
                               f"they were recorded? Build the network and load its weights "
                               f"into it: nn.load(path, into=model))")
    named = _group_names(header.get("model"))
    if set(recorded) != named:
        raise _GroupRecordError(f"load: {where} records the matrices of the groups "
                               f"{sorted(recorded)}, and its architecture names "
                               f"{sorted(named)}: save records every group the network is "
                               f"on, to check that each name stands for the same group here")
    for name, record in recorded.items():
        here = _group_record(get_group(name))
        if not isinstance(record, dict) or set(record) != set(here):
            raise _GroupRecordError(f"load: the group {name!r} recorded in {where} is not "
                                   f"readable: {record!r:.80}")
        saved, ours = np.asarray(record["points"], float), np.asarray(here["points"])
        if record["lattice"] != here["lattice"] or saved.shape != ours.shape or \
                not np.allclose(saved, ours, rtol=0, atol=1e-9):
            same = saved.shape == ours.shape and sorted(np.round(saved, 9).reshape(
                len(saved), -1).tolist()) == sorted(np.round(ours, 9).reshape(len(ours), -1)
                                                   .tolist())
            how = ("the same point elements in another order" if same and
                   record["lattice"] == here["lattice"] else "other point elements")
            raise _GroupRecordError(
                f"load: the group {name!r} registered here has {how} than the one {where} was "
                f"saved with (its point elements' matrices are recorded in the file): the "
                f"weights would act on another group. Register {name!r} as it was when the "
                f"network was saved")


def _read(path: Any, op: str) -> tuple[dict[str, Any], dict[str, np.ndarray], str]:
    """The header and the arrays of a file ``save`` wrote, and how to name it; float arrays
    are checked finite."""
    path = _path(path, op)
    if not os.path.exists(path) and os.path.exists(f"{os.fspath(path)}.npz"):
        path = f"{os.fspath(path)}.npz"            # save adds the suffix NumPy needs
    where = repr(os.fspath(path))
    try:
        data = np.load(path, allow_pickle=False)
    except OSError as error:
        raise ValueError(f"{op}: cannot read {where}: {error.strerror or error}") from None
    except (ValueError, EOFError, zipfile.BadZipFile) as error:
        # NumPy takes any file that is neither .npz nor .npy for a pickle: not what it is here
        why = "not an .npz archive" if "pickle" in str(error) else str(error)
        raise ValueError(f"{op}: {where} is not a file written by groupconv.nn.save (NumPy "
                         f"cannot read it: {why})") from error
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{op}: {where} holds one array (.npy), not a file written by "
                         f"groupconv.nn.save (.npz)")
    with data:
        if "architecture" not in data.files:
            raise ValueError(f"{op}: {where} was not written by groupconv.nn.save (no "
                             f"architecture)")
        try:
            header = json.loads(str(data["architecture"]))
        except (ValueError, zipfile.BadZipFile, RecursionError) as error:
            raise ValueError(f"{op}: the architecture of {where} is not readable: {error}") \
                from error
        if not isinstance(header, dict):
            raise ValueError(f"{op}: the architecture of {where} is not a JSON header (an "
                             f"object with its format, model and groups), got "
                             f"{type(header).__name__} {header!r:.60}")
        if header.get("format") != FORMAT:
            raise ValueError(f"{op}: {where} has format {header.get('format')!r}; this "
                             f"groupconv reads {FORMAT!r}")
        try:
            stored = {name: data[name] for name in data.files if name != "architecture"}
        except (ValueError, zipfile.BadZipFile, EOFError) as error:
            raise ValueError(f"{op}: the arrays of {where} are not readable: {error}") \
                from error
    bad = _non_finite(stored)
    if bad is not None:
        raise ValueError(f"{op}: {bad}, in {where}")
    return header, stored, where


def _match(stored: dict[str, np.ndarray], expected: dict[str, Any], where: str, op: str,
           against: str) -> None:
    """The stored arrays against the expected ones: the same names, shapes and dtypes."""
    if set(stored) != set(expected):
        missing, extra = sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected))
        raise ValueError(f"{op}: the arrays of {where} do not match {against} (missing "
                         f"{missing}, unexpected {extra})")
    for key, value in stored.items():
        like = expected[key]
        if value.shape != like.shape or value.dtype != like.dtype:
            raise ValueError(f"{op}: {key} has shape {value.shape} and dtype {value.dtype}; "
                             f"{against} needs {like.shape} and {like.dtype}")


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
        model = Sequential(layers, name=args.get("name"),
                           input_sizes=None if sizes is None else InputSizes(*sizes))
        leaves = dict(model._leaves())
        for group in args.get("shared_rng", []):     # one generator again, as when saved
            found = [leaves.get(tuple(path)) if isinstance(path, list) else None
                     for path in group]
            if any(getattr(layer, "rng", None) is None for layer in found):
                raise ValueError(f"shared_rng names {group}, not layers with a generator")
            for layer in found[1:]:
                layer.rng = found[0].rng
        return model
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
