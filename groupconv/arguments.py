"""The rules for arguments at the public edge, in one place: a bad argument is a TypeError (the
wrong kind of value) or a ValueError (the right kind, out of range) whose message names the
argument, says what was expected and shows what came.

    integer(k, "k", 1, 4096)           an int (NumPy ints too; bools refused) in low..high
    number(lr, "lr", 0, inf, ...)      a finite real number in an interval
    flag(training, "training")         True or False
    choice(name, "reduction", names)   one of a few names, with "did you mean" for typos
    real_array(values, "values")       a NumPy array of real numbers (integer or floating)
    float_dtype(dtype, "dtype")        float32 or float64, as a NumPy dtype
    generator(rng, "rng")              a NumPy Generator from a seed, a Generator or None
    described(value)                   what came, in a few words, for a message
    counted(n, "axis", "axes")         "1 axis", "2 axes": a count and its noun, for a message
    warn(message)                      a warning that names the first line outside groupconv
    @other_names("padding", ...)       torch's keywords, refused with what to give instead
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import pathlib
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

__all__ = ["integer", "number", "flag", "choice", "did_you_mean", "real_array", "float_dtype",
           "generator", "described", "counted", "output_file", "warn"]

#: The package's folder: frames of files under it are groupconv's own.
_PACKAGE = str(pathlib.Path(__file__).resolve().parent)


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message)``, attributed to the first caller outside groupconv (however
    deep inside the library, through layers and networks, the warning was found)."""
    import sys

    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def integer(value: Any, name: str, low: int = 1, high: int | None = None) -> int:
    """``value`` as an int in low..high (no upper bound for None)."""
    kind = {0: "a non-negative int", 1: "a positive int"}.get(low, f"an int >= {low}") \
        if high is None else f"an int in {low}..{high}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return int(value)


def number(value: Any, name: str, low: float = -math.inf, high: float = math.inf, *,
           open_low: bool = False, open_high: bool = False) -> float:
    """``value`` as a finite float in the interval [low, high] (ends open on request)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                      np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    result = float(value)
    inside = (low < result if open_low else low <= result) and \
        (result < high if open_high else result <= high)
    if not math.isfinite(result) or not inside:
        left, right = "(" if open_low else "[", ")" if open_high else "]"
        finite = "" if math.isfinite(result) else "a finite number "
        raise ValueError(f"{name} must be {finite}in {left}{low:g}, {high:g}{right}, "
                         f"got {value!r}")
    return result


def flag(value: Any, name: str) -> bool:
    """``value`` as a bool: True or False (NumPy's too), nothing else."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """"1 spatial axis", "2 spatial axes": ``n`` and the noun in its number (``plural``: the
    noun's plural where adding "s" does not make it)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def did_you_mean(value: Any, choices: Sequence[str]) -> str:
    """"; did you mean 'p4'?" for a string close to some of ``choices``, or the start of some
    (up to three: 'p4m' for 'p4m_filter'), else ""."""
    if not isinstance(value, str):
        return ""
    lowered = {c.lower(): c for c in choices}
    starts = [c for c in lowered if value and c.startswith(value.lower())]
    close = difflib.get_close_matches(value.lower(), list(lowered), n=3, cutoff=0.5)
    near = [c for c in lowered if c in close and c not in starts]   # (in the choices' order)
    picked = [lowered[c] for c in starts + near][:3]
    return f"; did you mean {' or '.join(repr(c) for c in picked)}?" if picked else ""


def choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices`` (strings), else an error listing them."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}"
                         f"{did_you_mean(value, choices)}")
    return value


def plain_array(value: Any, name: str) -> None:
    """A TypeError for the arrays whose meaning a dense array would lose, or that cannot be
    reshaped: a masked array (its mask would be ignored), np.matrix (always 2D, so its axes
    are not the layout's), a sparse torch tensor."""
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{name} is a masked array, whose mask would be ignored: fill the "
                        f"masked values first (value.filled(0)), or pass value.data")
    if isinstance(getattr(value, "_meta", None), np.ma.MaskedArray):       # dask.array.ma
        raise TypeError(f"{name} is a Dask array of masked chunks, whose masks would be "
                        f"ignored: fill the masked values first (dask.array.ma.filled(value, "
                        f"0))")
    if isinstance(value, np.matrix):
        raise TypeError(f"{name} is an np.matrix, which is always 2D: pass an ndarray, "
                        f"np.asarray(value), reshaped to the layout it stands for")
    if str(getattr(value, "layout", "")).startswith("torch.sparse"):
        raise TypeError(f"{name} is a sparse torch tensor ({value.layout}): pass a dense one, "
                        f"value.to_dense()")


def real_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a NumPy array of real numbers, as it came: an integer or floating dtype
    (bools, complex numbers, strings and objects refused)."""
    plain_array(value, name)
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        text = repr(value)
        raise TypeError(f"{name} must be an array of real numbers, got "
                        f"{text if len(text) <= 60 else text[:57] + '...'}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be real numbers (a floating or integer dtype), got "
                        f"{arr.dtype}")
    return arr


def informative(values: np.ndarray, name: str, *, zeros: bool = False) -> None:
    """A ValueError where an array given to a check could show nothing: no values, values that
    are not finite, or (``zeros=False``) only zeros, which every linear map sends to zeros on
    both sides of an equation."""
    if values.size == 0:
        raise ValueError(f"{name} holds no values (shape {values.shape}): nothing would be "
                         f"compared; give at least one example, or leave it out to have one drawn")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must hold finite numbers, got NaN or inf: a check on them "
                         f"compares nothing")
    if not zeros and not np.any(values):
        raise ValueError(f"{name} is all zeros: a linear layer maps it to zeros on both sides, "
                         f"so the check could not fail; give values that are not all zero, or "
                         f"leave it out to have them drawn")


def float_dtype(value: Any, name: str) -> np.dtype:
    """``value`` as float32 or float64, the dtypes a layer computes in: parameters of integer,
    bool or complex dtypes would round their random draws away, or hold values the layers do
    not compute with; float16 ones would be computed in float32 (the correlations' rule) while
    updated in float16."""
    try:
        dtype = np.dtype(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a floating dtype (float32, float64), got "
                        f"{value!r}") from None
    if dtype.kind != "f":
        raise ValueError(f"{name} must be a real floating dtype (float32, float64), "
                         f"got {dtype.name}")
    if dtype not in (np.float32, np.float64):
        why = "a float16 input is computed in float32 (the correlations' rule): float16 " \
            "parameters or draws would hold values no layer computes with" \
            if dtype.itemsize < 4 else "no path computes in more than float64"
        raise ValueError(f"{name} must be float32 or float64, got {dtype.name} ({why})")
    return dtype


def generator(value: Any, name: str) -> np.random.Generator:
    """``value`` as a NumPy Generator: a Generator, a non-negative int seed, or None (fresh
    entropy)."""
    if value is None or isinstance(value, (np.random.Generator, np.random.SeedSequence)):
        return np.random.default_rng(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a numpy Generator, a non-negative int seed or None, "
                        f"got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative int seed, got {value!r}")
    return np.random.default_rng(int(value))


def described(value: Any, _depth: int = 0) -> str:
    """What came, in a few words: a type, an array's shape, a tuple's or list's items (a
    regular nesting of lists by its shape; two levels at most)."""
    if isinstance(value, (tuple, list)):
        kind = type(value).__name__
        if value and isinstance(value[0], (tuple, list)):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    shape = np.shape(value)
                if len(shape) > 1:
                    return f"a nested {kind} of shape {shape}"
            except ValueError:             # ragged: item by item
                pass
        if _depth >= 2:
            return f"a {kind} of {counted(len(value), 'item')}"
        items = ", ".join(described(v, _depth + 1) for v in value[:4]) + \
            (", ..." if len(value) > 4 else "")
        return f"a {kind} of {counted(len(value), 'item')} ({items})"
    shape = getattr(value, "shape", None)
    return type(value).__name__ + ("" if shape is None else f" of shape {tuple(shape)}")


def output_file(value: Any, name: str, suffixes: Sequence[str] = ()) -> pathlib.Path:
    """A file to write: a str or path-like that is not a folder, ending in one of ``suffixes``
    (lower case, with the dot; any when empty), whose folder exists, or whose nearest existing
    ancestor is a writable folder (nothing is made here: the writer makes the folder, after the
    other arguments are checked); otherwise a TypeError or ValueError naming it."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path (str or path-like), got "
                        f"{type(value).__name__}")
    path = pathlib.Path(value)
    if not str(value) or path.is_dir():
        raise ValueError(f"{name} must name a file, got {str(value)!r}"
                         + (" (a folder)" if str(value) else ""))
    if suffixes and path.suffix.lower() not in suffixes:
        raise ValueError(f"{name} must end in {' or '.join(suffixes)}, got {str(value)!r}")
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{name}: the folder {str(path.parent)!r} cannot be made or written "
                         f"to ({str(folder)!r} is " + ("not a folder)" if not folder.is_dir()
                                                       else "not writable)"))
    return path


_F = TypeVar("_F", bound=Callable[..., Any])

#: What to give instead of torch's keyword arguments (``other_names``)
OTHER_NAMES = {
    "padding": "groupconv's is mode: 'valid', 'same', 'full' or a padding (an int)",
    "in_channels": "groupconv's is c_in", "out_channels": "groupconv's is c_out",
    "kernel_size": "groupconv's is k",
    "stride": "groupconv's correlations have no stride: keep every s-th output, "
              "y[..., ::s, ::s]",
    "dilation": "groupconv's correlations have no dilation: a dilated kernel is the kernel "
                "with zeros between its taps",
}


def other_names(*names: str) -> Callable[[_F], _F]:
    """A decorator: the function, given one of ``names`` (torch's keywords, ``OTHER_NAMES``)
    as a keyword it does not take, raises a TypeError that says what to give instead (not
    Python's bare "unexpected keyword argument")."""
    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if kwargs:
                given = next((name for name in names if name in kwargs), None)
                if given is not None:
                    raise TypeError(f"{fn.__qualname__}() got an unexpected keyword argument "
                                    f"{given!r} (torch's name): {OTHER_NAMES[given]}")
            return fn(*args, **kwargs)
        return checked  # type: ignore[return-value]
    return decorate
