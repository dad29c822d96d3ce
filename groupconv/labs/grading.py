"""Graders of the course labs' exercises: ``grade("2.1", my_lifting)``.

Each grader runs the student's answer through the library's checkers (``check_group_law``,
``check_layer``, ``check_equivariance``) and the checks the exercise needs besides (shapes,
the architecture of a network, a scene whose answer is known), and then either returns a
``Passed`` that says what was checked, or raises ``WrongAnswer``: what is wrong, and where to
look, never the solution. Where a wrong answer matches a mistake students make (a rotation the
wrong way, b a for a b, a missing inverse, kernels not turned, axes swapped, ...), the message
names it; otherwise it says which part agrees and which does not.

The exercises that ask for a formula written by hand (1.1 to 2.3, 4.1, 4.2) refuse answers that
call into groupconv: the grader would otherwise grade the library, not the student.

Tolerances: values are compared relative to the largest value of the reference, to 1e-5 for
a float32 result and 1e-10 for a float64 one (check_layer is told so: by itself it would hold a
float16 layer to 1e-2). A right answer computed in float32 rounds sums of at most 128 products
to about 1e-7 of their size, in float64 to about 1e-16; every convention error moves values by
their own size (order 1), and a float64 result rounded to a few decimals by about 1e-5; a
float16 or bfloat16 answer is refused by name (it rounds to 1e-3). See ``TOLERANCE``.

check_layer speaks to library users and may name the right formula in its diagnoses (``h_s^-1
h_t (s - r) is meant``); the graders relay only its explanations that state no solution
(``SOLUTION_FRAGMENTS``).
"""

from __future__ import annotations

import array
import collections
import contextlib
import copy
import ctypes
import decimal
import fractions
import functools
import gc
import inspect
import itertools
import multiprocessing.process
import os
import pathlib
import re
import reprlib
import signal
import subprocess
import sys
import sysconfig
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from ..arguments import counted, float_dtype
from ..checks.diagnoses import constant_factor, constant_offset, factor_text
from ..checks.user_groups import check_group_law
from ..checks.user_layers import (
    OTHER_DRAWS, TOLERANCES, LayerReport, check_equivariance, check_layer,
)
from ..fast.backend import is_torch_array, to_numpy
from ..fast.banks import filter_bank
from ..fast.correlate import group_convolution, group_correlation, lifting_correlation
from ..groups import C4, D4, P4, Kind

__all__ = ["EXERCISES", "Passed", "SOLUTION_FRAGMENTS", "TOLERANCE", "WrongAnswer", "grade"]

#: Relative agreement (max |got - expected| / max |expected|) a computed answer in float32
#: needs (a float64 one: ``TOLERANCES["float64"]``, 1e-10). float32 rounds the lab's sums (at
#: most 128 products) to about 1e-7 relative; a wrong convention differs by order 1.
#: check_layer's float32 tolerance, passed to it explicitly (its own choice for a float16
#: layer, 1e-2, would let rounding hide a mistake).
TOLERANCE = TOLERANCES["float32"]

#: Patterns of the solutions (the right index of the kernel's rotation axis, the rotation
#: matrix, the inverse's translation, ...): a sentence of check_layer's that matches one is not
#: relayed to the student.
SOLUTION_FRAGMENTS = (r"matrix_power", r"np\.rot90\(w", r"\(s - r\) % 4", r"s - r\b",
                      r"\[\[0, -1\], \[1, 0\]\]", r"R\^-r t", r"-R\^-r",
                      r"h_s\^-1 h_t", r"s\^-1 t\b",      # the right index in check_layer's terms
                      r"-h\^-1 t", r"h1 t2", r"\bis meant\b")   # check_group_law's formulas

_PACKAGE = pathlib.Path(__file__).resolve().parents[1]
#: Where the installed libraries and Python's own modules live: code there may read frames
#: (namedtuple, logging); an answer's own code may not. Also any folder named site-packages or
#: dist-packages (pip --user, a venv on the system's packages, Debian's, PYTHONPATH: JAX there
#: reads frames when it traces).
_LIBRARIES = tuple(sorted({str(pathlib.Path(sysconfig.get_paths()[key]).resolve())
                           for key in ("stdlib", "platstdlib", "purelib", "platlib")}))
_PACKAGE_FOLDERS = (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}")
#: Calls that would switch the grader's watch off or read its frames or objects (its locals
#: hold the reference results): refused where an answer's own code makes them (a library may:
#: sympy's import reads a frame).
_BUILTINS_REFUSED = {f: f"{f.__module__ or 'sys'}.{f.__name__}" for f in (
    sys.setprofile, sys.settrace, sys._getframe, sys._current_frames, gc.get_objects,
    gc.get_referrers, gc.get_referents)}
_CODES_REFUSED = {f.__code__: f"{f.__module__}.{f.__qualname__}" for f in (
    threading.setprofile, threading.settrace, inspect.currentframe, inspect.stack,
    inspect.trace, inspect.getouterframes)}
#: Calls that compute outside the watch (another process): refused whoever makes them.
_ANYWHERE_REFUSED = {f: f"os.{f.__name__}" for f in (
    getattr(os, name, None) for name in ("system", "fork", "execv", "execve", "posix_spawn",
                                         "spawnv", "startfile")) if f is not None}
_CODES_ANYWHERE_REFUSED = {f.__code__: f"{f.__module__}.{f.__qualname__}" for f in (
    subprocess.Popen.__init__, multiprocessing.process.BaseProcess.start)}
#: Values an answer's result may be built of (anything else could compute when read, after
#: the watch: ``_plain``).
_PLAIN = (bool, int, float, complex, str, bytes, type(None), np.generic, fractions.Fraction,
          decimal.Decimal)
#: The most items read from an iterator an answer returns.
_MOST_ITEMS = 10**6


class WrongAnswer(AssertionError):
    """An exercise's answer is wrong; the message says what, and where to look."""


@dataclass(frozen=True)
class Passed:
    """An exercise passed: which, and what was checked."""

    exercise: str
    checked: str

    def __repr__(self) -> str:
        return f"Exercise {self.exercise} passed: {self.checked}"


# ------------------------------------------------------------------ calling students' code
@dataclass
class _Watch:
    """What an answer did inside the watch: the first groupconv function it ran (``called``)
    or the first call an answer may not make (``refused``)."""

    called: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: the number of axes of the first array np.rot90 turned on its default axes (0, 1) where
    #: it has more than two (a kernel's channels turned, not its rows and columns), else 0
    rot90_channels: int = 0

    def __bool__(self) -> bool:
        return bool(self.called or self.refused)

    def said(self) -> str:
        """What the answer did that explains an exception it raised, as a clause ("" if
        nothing)."""
        if not self.rot90_channels:
            return ""
        return (f" (your code turned a {self.rot90_channels}D array with np.rot90 on axes "
                f"(0, 1), its default: its first two axes, in the lab's layouts the batch or "
                f"output channels and the input channels, not the rows and columns, which "
                f"come last; see rot90's axes argument)")


#: The code NumPy runs for np.rot90 (behind its array-function dispatcher).
_ROT90 = getattr(np.rot90, "_implementation", np.rot90).__code__


#: The methods that show an object as text: a debug print runs them, and they give only a string
_DISPLAY = frozenset({"__repr__", "__str__", "__format__"})


@contextlib.contextmanager
def _watching() -> Iterator[_Watch]:
    """Record the first groupconv function that runs inside the block (the graders' own
    helpers included), or the first call that would switch the watch off, read the grader's
    frames or compute outside the watch (``_BUILTINS_REFUSED``, ``_CODES_REFUSED``,
    ``_ANYWHERE_REFUSED``, ``_CODES_ANYWHERE_REFUSED``). Reading a property that gives a plain
    number or string (``P4.samples``), or showing an object as text (``repr``, ``str``,
    ``format``: a debug print) is not counted: it computes nothing for the student. Uses
    the profiler hook of this thread and of the threads started inside the block (and, from
    Python 3.12, of every thread), and restores the ones that were there; a hook found replaced
    at the end is a watch switched off."""
    seen = _Watch()
    reading: list[types.FrameType] = []     # the property being read, while it runs
    grading = __file__
    watch = sys._getframe().f_code          # this generator's own frames (resumed at the end)

    def where(frame: types.FrameType) -> str:
        return f"{frame.f_globals.get('__name__', 'groupconv')}.{frame.f_code.co_name}"

    def profile(frame: types.FrameType, event: str, arg: Any) -> None:
        if seen or frame.f_code is watch:
            return
        if event == "call" and frame.f_code is _ROT90 and not seen.rot90_channels:
            turned, axes = frame.f_locals.get("m"), frame.f_locals.get("axes")
            try:            # (axes=2, say: NumPy's own error follows, not the watch's)
                first_two = tuple(axes) == (0, 1)
            except TypeError:
                first_two = False
            if getattr(turned, "ndim", 0) > 2 and first_two:
                seen.rot90_channels = turned.ndim
            return
        if event == "c_call":
            refused = _lookup(_BUILTINS_REFUSED, arg)
            if refused is not None and not _library(frame.f_code.co_filename):
                seen.refused.append(refused)
            elif _lookup(_ANYWHERE_REFUSED, arg) is not None:
                seen.refused.append(_ANYWHERE_REFUSED[arg])
            return
        if event == "call" and frame.f_code in _CODES_ANYWHERE_REFUSED:
            seen.refused.append(_CODES_ANYWHERE_REFUSED[frame.f_code])
            return
        if event == "call" and frame.f_code in _CODES_REFUSED and (
                frame.f_back is None or not _library(frame.f_back.f_code.co_filename)):
            seen.refused.append(_CODES_REFUSED[frame.f_code])
            return
        if event not in ("call", "return"):
            return
        if reading:         # inside a property's getter: wait for it to return
            if event == "return" and frame is reading[0]:
                reading.clear()
                if isinstance(arg, bool) or not isinstance(arg, (int, float, str, np.integer,
                                                                 np.floating)):
                    seen.called.append(where(frame))
            return
        name = frame.f_code.co_filename
        if event == "call" and _in_package(name) and not (
                name == grading and frame.f_back is not None and
                frame.f_back.f_code.co_filename == grading):
            if _is_property(frame) or frame.f_code.co_name in _DISPLAY:
                reading.append(frame)
            else:
                seen.called.append(where(frame))

    previous, previous_threads = sys.getprofile(), threading.getprofile()
    every_thread = getattr(threading, "setprofile_all_threads", None)
    threading.setprofile(profile)
    if every_thread is not None:
        every_thread(profile)
    sys.setprofile(profile)
    try:
        yield seen
    finally:
        replaced = sys.getprofile() is not profile
        sys.setprofile(previous)
        if every_thread is not None:
            every_thread(None)
            sys.setprofile(previous)
        threading.setprofile(previous_threads)
        if replaced and not seen:
            seen.refused.append("sys.setprofile (the grader's watch was replaced)")


@functools.lru_cache(maxsize=4096)
def _in_package(filename: str) -> bool:
    """Whether code of this file is groupconv's, under any path that leads there (a symlink,
    a second import under another name)."""
    return os.path.realpath(filename).startswith(str(_PACKAGE) + os.sep)


@functools.lru_cache(maxsize=4096)
def _library(filename: str) -> bool:
    """Whether code of this file is Python's own or an installed library's (not an answer's)."""
    return filename.startswith(_LIBRARIES) or any(f in filename for f in _PACKAGE_FOLDERS)


def _lookup(table: dict, key: Any) -> Any:
    """table[key], or None where key is not there (or cannot be a key)."""
    try:
        return table.get(key)
    except TypeError:
        return None


def _is_property(frame: types.FrameType) -> bool:
    """Whether the frame runs the getter of a property of its first argument's class."""
    code = frame.f_code
    if code.co_argcount != 1:
        return False
    owner = type(frame.f_locals.get(code.co_varnames[0]))
    attribute = next((vars(c)[code.co_name] for c in owner.__mro__ if code.co_name in vars(c)),
                     None)
    return isinstance(attribute, property) and getattr(attribute.fget, "__code__", None) is code


#: Seconds a call of an answer may take where the grader gives a limit (4.1's large n, 1.1's
#: large r, every call of 1.2: a right answer takes microseconds there, one that lists the n
#: angles, turns |r| times or searches for an inverse hours).
SECONDS = 10.0

#: Seconds any other call of an answer may take: a right answer takes well under a second on
#: the graders' inputs, a loop that never ends is stopped here.
ANSWER_SECONDS = 60.0


class _TooSlow(BaseException):
    """Raised inside an answer that ran past its time: not an Exception, so that an answer's
    own ``except Exception`` does not swallow it."""


def _settle() -> None:
    """Nothing: a call, where Python raises an exception pending for this thread."""


class _TimeLimit:
    """A context that raises ``_TooSlow`` inside its block once it has run ``seconds`` (None:
    no limit), and again every quarter second after (a bare ``except:`` in an answer, around
    its loop, does not hold it; one inside an endless loop swallows every raise, as it does
    Jupyter's interrupt: only a restart of the kernel stops that), and records that it did
    (``expired``); a loop without calls is stopped too. By
    SIGALRM where the platform has it and this is the main thread (the caller's timer and
    handler are put back after), else by a clock thread that sets ``_TooSlow`` as this
    thread's pending exception (a trace function cannot: an exception raised in it, or
    arriving there, switches tracing off for good). ``close`` stops the clock, again where
    ``_TooSlow`` arrived before ``__exit__`` could; the clock and ``close`` share plain flags,
    no lock (a ``_TooSlow`` arriving while a lock is held would leave it held)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds, self.expired = seconds, False
        self._undo: Callable[[], None] = lambda: None

    def _expire(self) -> None:
        self.expired = True
        raise _TooSlow

    def __enter__(self) -> _TimeLimit:
        if self.seconds is None:
            return self
        if hasattr(signal, "setitimer") and \
                threading.current_thread() is threading.main_thread():
            handler = signal.signal(signal.SIGALRM, lambda signum, frame: self._expire())
            began = time.monotonic()
            delay, interval = signal.setitimer(signal.ITIMER_REAL, self.seconds, 0.25)

            def undo() -> None:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, signal.SIG_DFL if handler is None else handler)
                if delay > 0:        # the caller's timer, less the time spent here
                    signal.setitimer(signal.ITIMER_REAL,
                                     max(delay - (time.monotonic() - began), 1e-3), interval)
        else:
            target, deadline = ctypes.c_ulong(threading.get_ident()), time.monotonic() + \
                self.seconds
            # plain flags, no lock: a _TooSlow arriving while a lock is held leaves it held
            started, stop, sending = [False], [False], [False]

            def clock() -> None:
                started[0] = True    # (before the grader's watch begins: not the answer's call)
                due = deadline
                while not stop[0]:
                    if time.monotonic() >= due:
                        sending[0] = True
                        if not stop[0]:
                            self.expired = True
                            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                                target, ctypes.py_object(_TooSlow))
                        sending[0], due = False, time.monotonic() + 0.25
                    time.sleep(0.01)

            def undo() -> None:
                stop[0] = True
                while sending[0]:    # a _TooSlow on its way arrives in close's _settle()
                    time.sleep(0)
            self._undo = undo        # before the clock starts: close stops it whatever comes
            threading.Thread(target=clock, name="grading clock", daemon=True).start()
            while not started[0]:
                time.sleep(0.0005)
            return self
        self._undo = undo
        return self

    def close(self) -> None:
        """Stop the clock and put back what it replaced (once: later calls do nothing)."""
        while True:
            try:
                self._undo()
                self._undo = _settle
                _settle()       # a _TooSlow sent just before the stop arrives at this call
                return
            except _TooSlow:    # arrived while stopping: the clock is stopped on the next try
                self.expired = True

    def __exit__(self, *exc: Any) -> None:
        self.close()


@dataclass(frozen=True)
class _Exercise:
    number: str
    name: str            # the function the student writes
    own_work: bool       # calls into groupconv are refused
    #: the watched modules' bindings when grading began, put back after every call (taken
    #: once: a snapshot per call cost milliseconds where many modules are imported)
    kept: dict = field(default_factory=lambda: _snapshot(), repr=False, compare=False)

    def wrong(self, what: str) -> WrongAnswer:
        return WrongAnswer(f"Exercise {self.number} ({self.name}): {what}")

    def call(self, fn: Callable, *args: Any, shown: str, names: tuple[str, ...] = (),
             seconds: float | None = None, slow: str = "", lookup: str = "",
             returned: list[Any] | None = None) -> Any:
        """fn(*args); an exception inside becomes a WrongAnswer that says which call raised
        (NotImplementedError, the unsolved exercise's hint, passes through unchanged), and so
        does an argument changed in place (``names``: the arguments' names, for the message):
        the grader's own reference reads the same arrays after the call. ``seconds``: how long
        the call may run (None: ``ANSWER_SECONDS``), and ``slow``: what the WrongAnswer says
        past it, ``lookup`` where it raises a KeyError or IndexError. ``returned``: a list that
        receives what fn returned (before it is read as plain data)."""
        kept = [np.array(a, copy=True) if isinstance(a, np.ndarray) else
                copy.deepcopy(a) if isinstance(a, (list, dict)) else None for a in args]
        before = self.kept
        seconds = ANSWER_SECONDS if seconds is None else seconds
        limit = _TimeLimit(seconds)
        too_slow = f"{shown} ran for more than {seconds:g} s" + (slow or (
            ": a right answer takes well under a second here; does a loop of yours never end, "
            "or run over far more values than it needs?"))
        try:
            with limit, _watching() as seen:
                try:
                    out = fn(*args)
                    if returned is not None:
                        returned.append(out)
                    if self.own_work:       # read it here: reading may compute (``_plain``)
                        out = _plain(out, self, shown)
                except (NotImplementedError, WrongAnswer):
                    if limit.expired:
                        raise _TooSlow from None
                    raise
                except SystemExit as error:  # sys.exit() in an answer ends the answer
                    raise self.wrong(f"{shown} called sys.exit() ({error})") from None
                except Exception as error:  # the student's code failed: say where
                    if limit.expired:       # (what it raised once its time ran out)
                        raise _TooSlow from None
                    if not seen.refused:
                        why = slow if isinstance(error, MemoryError) else \
                            lookup if isinstance(error, LookupError) else ""
                        raise self.wrong(f"{shown} raised {type(error).__name__}: {error}{why}"
                                         f"{seen.said()}") from error
        except _TooSlow:
            limit.expired = True
        finally:
            limit.close()       # where _TooSlow came before __exit__ could stop the clock
        if limit.expired:       # (also where the answer caught _TooSlow and went on)
            _restore(before)
            raise self.wrong(too_slow)
        changed = _restore(before)
        if changed:
            raise self.wrong(f"your code changed {changed} (the change is undone): an answer "
                             f"must not change the grader or the libraries it uses")
        if seen.refused:
            raise self.wrong(f"your code calls {seen.refused[0]}, which an answer "
                             f"may not (it would switch off the grader's watch, read the "
                             f"grader's frames or objects, or compute outside the watch): an "
                             f"answer computes its result from its arguments")
        if self.own_work and seen.called:
            raise self.wrong(f"your code calls groupconv ({seen.called[0]}): this exercise asks "
                             f"you to write it yourself, with NumPy, so that the grader checks "
                             f"your code and not the library's")
        for i, (arg, before_call) in enumerate(zip(args, kept)):
            if before_call is not None and not _unchanged(arg, before_call):
                name = names[i] if i < len(names) else f"argument {i + 1}"
                how = ("sort, append, an assignment into it" if isinstance(arg, (list, dict))
                       else "an operation with out=, +=, or an assignment into it")
                raise self.wrong(f"{shown} changed its input {name} in place ({how}): your "
                                 f"function must leave its inputs as they were; work on a copy "
                                 f"or on new {'lists' if isinstance(arg, list) else 'arrays'}")
        return out

    def guarded(self, fn: Callable, shown: str, names: tuple[str, ...] = ()) -> Callable:
        """fn, called through ``call`` (for the checkers that call it themselves)."""
        def run(*args: Any) -> Any:
            return self.call(fn, *args, shown=shown, names=names)
        return run


def _unchanged(arg: Any, before: Any) -> bool:
    """Whether an argument is as it was before the call (an array, or a list or dict of plain
    values; anything that cannot be compared counts as changed)."""
    if isinstance(arg, np.ndarray):
        return np.array_equal(arg, before, equal_nan=True)
    try:
        return bool(arg == before)
    except (TypeError, ValueError):    # arrays inside: compare them as arrays
        return type(arg) is type(before) and len(arg) == len(before) and all(
            _unchanged(a, b) for a, b in zip(arg, before))


def _plain(value: Any, ex: _Exercise, shown: str, depth: int = 0) -> Any:
    """An answer's result as plain data (numbers, strings, tuples, lists, dicts, NumPy
    arrays), read while the watch is on: an object that computes when it is read (its
    __array__, __iter__ or __float__) must not compute after it. Objects NumPy reads
    (``__array__``) are read; iterators are listed (up to ``_MOST_ITEMS``); anything else is
    refused."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, _PLAIN):         # a subclass could compute when read: its plain value
        base = next(t for t in _PLAIN if isinstance(value, t))
        return value.item() if base is np.generic else base(value)
    if type(value).__module__.split(".")[0] == "sympy":     # the labs' exact numbers
        converted = _from_sympy(value)
        if converted is value:
            raise ex.wrong(f"{shown} returned a sympy {type(value).__name__}: return numbers, "
                           f"tuples, lists, matrices or NumPy arrays")
        return _plain(converted, ex, shown, depth + 1)
    if isinstance(value, np.ndarray):                # the base class: a copy of the values
        if value.dtype == object:                    # sympy's Integers, say: each one read
            return _plain(value.tolist(), ex, shown, depth + 1)
        return np.array(value) if value.ndim else value[()]
    if depth > 8:
        raise ex.wrong(f"{shown} returned values nested more than 8 deep")
    if isinstance(value, (list, tuple, collections.deque, array.array)):
        return type(value)(_plain(v, ex, shown, depth + 1) for v in value) \
            if type(value) in (list, tuple) else [_plain(v, ex, shown, depth + 1)
                                                   for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, ex, shown, depth + 1) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return type(value)(_plain(v, ex, shown, depth + 1) for v in value)
    if isinstance(value, Iterator) or (type(value).__module__ == "builtins" and
                                       isinstance(value, Iterable)):   # generators, range
        items = list(itertools.islice(iter(value), _MOST_ITEMS + 1))
        if len(items) > _MOST_ITEMS:
            raise ex.wrong(f"{shown} returned an iterator of more than {_MOST_ITEMS} items "
                           f"(an endless one?)")
        return [_plain(v, ex, shown, depth + 1) for v in items]
    if hasattr(value, "__array__"):                  # torch, JAX, ...: a NumPy copy
        try:
            if callable(getattr(value, "detach", None)):  # torch: may require grad; its
                value = value.detach().cpu().numpy()     # __array__ has no copy keyword
            read = np.array(value)
        except (TypeError, ValueError) as error:     # torch's bfloat16: NumPy has none
            dtype = getattr(value, "dtype", type(value).__name__)
            raise ex.wrong(f"{shown} returned {dtype} values, which NumPy cannot read "
                           f"({error}): compute in float32 or float64") from None
        return _plain(read, ex, shown, depth + 1)
    raise ex.wrong(f"{shown} returned {type(value).__name__}: return numbers, tuples, lists or "
                   f"NumPy arrays")


def _brief(value: Any) -> str:
    """repr(value) cut to a readable length: a list of 1.5 million angles is shown by its
    first dozen (reprlib)."""
    brief = reprlib.Repr()
    brief.maxlist = brief.maxtuple = brief.maxset = brief.maxfrozenset = 12
    brief.maxdict, brief.maxlevel, brief.maxstring, brief.maxother = 8, 3, 80, 80
    return brief.repr(value)


def _is_number(value: Any) -> bool:
    """A real number of a kind an answer may give: an int, a float, an exact Fraction or
    Decimal, or NumPy's (not a bool)."""
    return not isinstance(value, (bool, np.bool_)) and isinstance(
        value, (int, float, np.integer, np.floating, fractions.Fraction, decimal.Decimal))


def _exact(value: Any) -> fractions.Fraction:
    """A number's exact value (a long double's or a Decimal's digits beyond float64's
    included); ValueError or OverflowError for NaN and infinities."""
    if isinstance(value, (int, np.integer)):
        return fractions.Fraction(int(value))
    if isinstance(value, (fractions.Fraction, decimal.Decimal)):
        return fractions.Fraction(value)
    return fractions.Fraction(*value.as_integer_ratio())


def _from_sympy(value: Any) -> Any:
    """A sympy Matrix as nested lists (one with a single row or column, sympy's vector, as a
    flat list), a Tuple as a tuple, an Integer as an int, a Rational as a Fraction, another
    real number as a float; anything else as it is."""
    if getattr(value, "is_Matrix", False):
        return list(value) if 1 in value.shape else value.tolist()
    if isinstance(value, sympy.NDimArray):          # sympy.Array: nested lists
        return value.tolist()
    if isinstance(value, sympy.Tuple):
        return tuple(value)
    if getattr(value, "is_Integer", False):
        return int(value)
    if getattr(value, "is_Rational", False):
        return fractions.Fraction(int(value.p), int(value.q))
    if getattr(value, "is_number", False) and getattr(value, "is_real", False):
        return float(value)
    return value


def _watched_modules() -> list[types.ModuleType]:
    """The modules whose names an answer must not rebind: NumPy and its public submodules
    (``numpy.random``, ``numpy.lib.stride_tricks``, ...; the private ones keep caches of their
    own), builtins and groupconv's (the grader's among them)."""
    return [m for name, m in list(sys.modules.items())        # (startswith first: cheap)
            if name.startswith(("numpy", "groupconv", "builtins")) and
            isinstance(m, types.ModuleType) and
            (name == "builtins" or name.split(".")[0] == "groupconv" or
             (name.split(".")[0] == "numpy" and
              not any(part.startswith("_") for part in name.split("."))))]


def _snapshot() -> dict[int, tuple[Any, str, dict[str, Any]]]:
    """What the watched modules' names (and groupconv's classes' attributes) are bound to:
    id(owner) -> (owner, its name, its names)."""
    kept: dict[int, tuple[Any, str, dict[str, Any]]] = {}
    for module in _watched_modules():
        names = dict(vars(module))
        kept[id(module)] = (module, module.__name__, names)
        if module.__name__.split(".")[0] != "groupconv":
            continue
        for value in names.values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                kept[id(value)] = (value, f"{module.__name__}.{value.__qualname__}",
                                   dict(vars(value)))
    return kept


def _restore(kept: dict[int, tuple[Any, str, dict[str, Any]]]) -> str | None:
    """Undo every rebinding since ``_snapshot``; the first one's name, or None."""
    first = None
    for owner, label, names in kept.values():
        now = vars(owner)
        for name, value in names.items():
            if now.get(name, _MISSING) is not value:
                first = first or f"{label}.{name}"
                setattr(owner, name, value)
        for name in [n for n in now if n not in names and isinstance(owner, type)]:
            first = first or f"{label}.{name}"
            delattr(owner, name)
    return first


_MISSING = object()


def _callable(fn: Any, ex: _Exercise) -> None:
    from .. import nn        # (the graders' other imports do not need the layers)
    if isinstance(fn, nn.Layer):
        raise TypeError(f"grade: exercise {ex.number} takes your function {ex.name} itself, "
                        f"got {type(fn).__name__}, a network (what {ex.name}() returns?): "
                        f"pass {ex.name}, without the parentheses")
    if not callable(fn):
        raise TypeError(f"grade: exercise {ex.number} takes your function {ex.name}, got "
                        f"{type(fn).__name__}")


def _cast_keeping_strides(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """a itself in its dtype; else its values in ``dtype``, laid out with a's strides (a view
    stays a view with the same memory order)."""
    if a.dtype == dtype:
        return a
    out = np.empty_like(a, dtype=dtype)       # (empty_like keeps the order of a's strides)
    out[...] = a
    return out


def _close(a: np.ndarray, b: np.ndarray, tolerance: float = TOLERANCE) -> bool:
    """a and b agree to ``tolerance`` relative to b's largest value (same shape)."""
    if a.shape != b.shape:
        return False
    scale = np.abs(b).max(initial=0.0) or 1.0
    return bool(np.abs(a - b).max(initial=0.0) <= tolerance * scale)


def _tolerance_of(value: Any, inputs: Any = np.float64) -> float:
    """The agreement an answer's result must reach: float64's rounding (``TOLERANCES``) for
    values of float64 or finer (Python floats, lists of them, long doubles, exact numbers)
    computed from float64 ``inputs``, float32's for float32 (and coarser, which
    ``_array(precise=True)`` refuses by name) or from float32 inputs."""
    dtype = np.asarray(value).dtype
    fine = dtype == object or (dtype.kind == "f" and
                               np.finfo(dtype).eps <= np.finfo(np.float64).eps)
    return TOLERANCES["float64"] if fine and np.dtype(inputs) == np.float64 else TOLERANCE


def _rounding_hint(tolerance: float) -> str:
    """Why a result close to the right one is still wrong, for its dtype."""
    if tolerance < TOLERANCE:
        return ("further off than float64 rounding (1e-10 of the largest value): did you round "
                "the result, or compute in lower precision (float16, float32) and convert back to "
                "float64? (a float32 result is held to float32's 1e-5)")
    return (f"further off than float32 rounding ({tolerance:g} of the largest value): are you "
            f"computing in float16, or rounding?")


def _decimals(value: Any) -> int | None:
    """The d of a float array rounded to d decimals (np.round(y, d): every entry a multiple of
    10^-d, to 4 spacings of its dtype), else None; d at most 8 (a result rounded to more
    places is within the graders' tolerances) and only as fine as the entries can tell: an
    unrounded entry falls that near the grid by chance with odds 8 spacing / 10^-d, and the
    odds that all do must be below 1e-12."""
    a = np.asarray(value)
    if a.dtype.kind != "f" or not np.all(np.isfinite(a)):
        return None
    spacing = np.spacing(np.abs(a)).astype(np.float64).ravel()
    a = a.astype(np.float64).ravel()
    for d in range(0, 9):
        odds = np.minimum(1.0, 8 * spacing[a != 0] / 10.0**-d)
        if not np.sum(np.log(odds)) < np.log(1e-12):
            return None
        if np.all(np.abs(a - np.round(a, d)) <= 4 * spacing):
            return d
    return None


def _rounded_says(value: Any, reference: np.ndarray, shown: str) -> str | None:
    """What a result that is the right one rounded to a few decimals says (``_decimals``, and
    within half a step of ``reference``, float32's rounding allowed), or None."""
    d = _decimals(value)
    got = np.asarray(value, dtype=np.float64)
    if d is None or got.shape != reference.shape or np.abs(got - reference).max(initial=0.0) > \
            0.5 * 10.0**-d + TOLERANCE * np.abs(reference).max(initial=0.0):
        return None
    grid = "a whole number" if d == 0 else f"a multiple of 1e-{d}"
    places = "whole numbers" if d == 0 else f"{d} decimals"
    return (f"every entry of {shown} is {grid}: your result is the right one rounded to "
            f"{places} (np.round, or a format with few digits?); return it unrounded")


def _near_miss(got: np.ndarray, reference: np.ndarray, tolerance: float) -> str:
    """Why a result within 1e-2 of the right one is not it: a constant factor, a constant
    added (``constant_factor``, ``constant_offset``), else the rounding of its dtype
    (``_rounding_hint``)."""
    factor = constant_factor(got, reference, tolerance)
    if factor is not None:
        return (f"your result is the right one times {factor_text(factor)}: a constant factor "
                f"(a scale or a normalisation the exercise does not have)")
    offset = constant_offset(got, reference, tolerance)
    if offset is not None:
        return (f"your result is the right one plus {offset:.6g} everywhere: a constant added "
                f"(a bias or an offset the exercise does not have)")
    return _rounding_hint(tolerance)


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.abs(b).max(initial=0.0) or 1.0
    return float(np.abs(a - b).max(initial=0.0) / scale)


def _gives_away(text: str) -> bool:
    return any(re.search(pattern, text) for pattern in SOLUTION_FRAGMENTS)


def _for_students(text: str) -> str:
    """check_layer's sentence in the lab's terms: less its pointers to the library's
    converters (an exercise is solved by fixing the code, not by converting its result) and to
    tables the student has not written, an order of elements said as the planes it swaps."""
    text = re.sub(r": groupconv\.interop converts with convention=\[[0-9, ]*\]", "", text)
    text = text.replace(": the kernels moved by those elements (a table of the point group's "
                        "elements with a wrong entry?)", ": check how your code moves the "
                        "kernel for those rotations")
    text = re.sub(r"your (output|input)'s point axis is in the order (\[[0-9, ]*\])(?: \([^)]*"
                  r"(?:\([^)]*\))?[^)]*\))? \(their element j is groupconv's σ\[j\]\)",
                  r"your \1's rotation planes are in the order \2: your plane j holds what "
                  r"belongs to rotation \2[j]", text)
    return text.replace("point axis", "rotation axis")


def _relayed(report: LayerReport) -> str | None:
    """What check_layer says, for a student: its explanations less those that state the
    solution (several numbered); its whole diagnosis where it found none (the shapes, or no
    known mistake); None when nothing is left to say."""
    if not report.explanations:
        text = report.diagnosis
        return None if text is None or _gives_away(text) else _for_students(text)
    kept = [_for_students(sentence) for sentence in report.explanations
            if not _gives_away(sentence)]
    if len(kept) <= 1:
        return kept[0] if kept else None
    return "; ".join(f"({i}) {sentence}" for i, sentence in enumerate(kept, 1))


def _check_layer_says(report: LayerReport) -> str:
    """The last line of a message: what check_layer says (``_relayed``), or nothing."""
    text = _relayed(report)
    return "" if text is None else f"\n  check_layer says: {text}"


def _ragged(value: Any) -> str:
    """For nested lists or tuples whose rows differ in length, which row first ("" else)."""
    if not isinstance(value, (list, tuple)) or not value or \
            not all(isinstance(row, (list, tuple)) for row in value):
        return ""
    lengths = [len(row) for row in value]
    if len(set(lengths)) == 1:
        return _ragged([item for row in value for item in row])
    common = max(set(lengths), key=lengths.count)
    i = next(i for i, n in enumerate(lengths) if n != common)
    return (f"its rows differ in length (row {i} has {lengths[i]} entries, the others "
            f"{common})")


def _array(value: Any, ex: _Exercise, shown: str, precise: bool = False,
           signed: bool = True) -> np.ndarray:
    """A real array from the student's result, or a WrongAnswer that says what came; with
    ``precise`` (the result of real-valued inputs), a floating dtype coarser than float32
    (float16) is refused by name, and so are integers (an output array made with dtype=int
    truncates every value written into it); with ``signed``, unsigned integers (where the
    answer holds negative values: -1 would wrap)."""
    try:
        out = np.asarray(value)
    except Exception:  # an object NumPy cannot read
        ragged = _ragged(value)
        raise ex.wrong(f"{shown} must return an array, got {type(value).__name__}"
                       + (f": {ragged}" if ragged else "")) from None
    if value is None:
        raise ex.wrong(f"{shown} returned None: did you forget to return the result?")
    if out.dtype == object:     # exact numbers (Fractions, Decimals, sympy's) read as floats
        entries = [_from_sympy(v) for v in out.reshape(-1)]
        if entries and all(_is_number(v) for v in entries):
            try:
                out = np.array([float(v) for v in entries]).reshape(out.shape)
            except OverflowError:
                raise ex.wrong(f"{shown} returned a number too large for a float") from None
    if out.dtype.kind == "V" and "float" in out.dtype.name:   # bfloat16 (ml_dtypes, JAX)
        raise ex.wrong(f"{shown} returned {out.dtype.name} values: {out.dtype.name} is too "
                       f"coarse for this exercise (about 3 significant digits); compute in "
                       f"float32 or float64")
    if out.dtype == object or not (np.issubdtype(out.dtype, np.number)
                                   or out.dtype == np.bool_):
        raise ex.wrong(f"{shown} must return an array of numbers, got {type(value).__name__} "
                       f"of dtype {out.dtype}")
    if np.iscomplexobj(out):
        raise ex.wrong(f"{shown} returned complex numbers: the result is real")
    if precise and out.dtype.kind in "iub":
        raise ex.wrong(f"{shown} returned {out.dtype} values for real-valued inputs: an output "
                       f"array of integers truncates every value written into it (np.zeros("
                       f"shape, dtype=int)?); make it of floats, np.zeros(shape) or of x's "
                       f"dtype")
    if signed and out.dtype == np.bool_:
        raise ex.wrong(f"{shown} returned booleans, which cannot hold a negative value (nor "
                       f"anything but 0 and 1): use a signed integer or a float dtype")
    if signed and out.dtype.kind == "u":
        raise ex.wrong(f"{shown} returned unsigned integers ({out.dtype}), which cannot hold a "
                       f"negative value (-1 becomes {np.iinfo(out.dtype).max}): use a signed "
                       f"dtype")
    if precise and np.issubdtype(out.dtype, np.floating) and \
            np.finfo(out.dtype).eps > np.finfo(np.float32).eps:
        raise ex.wrong(f"{shown} returned {out.dtype} values: {out.dtype} is too coarse for "
                       f"this exercise (it keeps about {np.finfo(out.dtype).precision} "
                       f"significant digits, and the grader compares to {TOLERANCE:g} of the "
                       f"largest value); compute in float32 or float64")
    out = out.astype(np.float64)
    if not np.all(np.isfinite(out)):
        raise ex.wrong(f"{shown} returned NaN or infinite values")
    return out


# ------------------------------------------------------------------ 1.1 the matrices of C4
def _points(matrix: np.ndarray) -> str:
    return (f"sends (1, 0) to {tuple(int(v) for v in matrix[:, 0])} and (0, 1) to "
            f"{tuple(int(v) for v in matrix[:, 1])}")


def grade_c4_matrix(c4_matrix: Callable[[int], Any]) -> Passed:
    """Exercise 1.1: ``c4_matrix(r)``, the exact 2x2 integer matrix of r quarter turns,
    counter-clockwise, for every integer r.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv.labs import grade
    >>> grade("1.1", lambda r: np.eye(2, dtype=int))
    Traceback (most recent call last):
    ...
    groupconv.labs.grading.WrongAnswer: Exercise 1.1 (c4_matrix): c4_matrix(1) sends (1, 0) to (1, 0) and (0, 1) to (0, 1), which is not a quarter turn counter-clockwise: such a turn sends (1, 0) to (0, 1) in (u, v) = (row, column) coordinates; where must it send (0, 1)?
    """
    ex = _Exercise("1.1", "c4_matrix", own_work=True)
    _callable(c4_matrix, ex)
    got, from_sympy = {}, set()
    # (10^8: cos and sin truncated to integers go wrong there; rounded to the nearest, not;
    # 2^53 + 1: r read as a float64, r / 4 in floating point)
    for r in [0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, 12, 37, 101, -9, -38, 10**6 + 3,
              10**8, -(10**8) - 1, 2**53 + 1, -(2**53) - 3]:
        shown = f"c4_matrix({r})"
        returned: list[Any] = []
        # (a loop that never ends, whatever r: the general advice where r is small)
        m = _array(ex.call(c4_matrix, r, shown=shown, seconds=SECONDS if abs(r) >= 10**8 else None,
                           slow=": r quarter turns are the same rotation as r % 4; reduce r "
                                "modulo 4 first rather than turning |r| times" if abs(r) > 8
                                else "",
                           lookup="" if 0 <= r < 4 else
                           f": r is defined modulo 4 ({r} quarter turns are the same rotation "
                           f"as {r % 4}); a table of R^0 .. R^3 is read at r % 4",
                           returned=returned), ex, shown)
        if type(returned[0]).__module__.split(".")[0] == "sympy":
            from_sympy.add(r)
        if m.shape != (2, 2):
            raise ex.wrong(f"{shown} must return a 2x2 matrix, got shape {m.shape}")
        if not np.array_equal(m, np.round(m)):
            raise ex.wrong(f"{shown} has entries that are not exact integers ({m.tolist()}): "
                           f"the group's matrices are exact, but cos and sin of multiples of "
                           f"pi/2 are not in floating point; make them exact integers")
        got[r] = m.astype(np.int64)
    expected = {r: C4.element(r=r % 4).matrix()[:2, :2] for r in got}
    if all(np.array_equal(got[r], expected[r]) for r in got):
        return Passed("1.1", "c4_matrix(r) is R^r for r = -4..8 and larger |r| (up to "
                             "2^53 + 3), exactly, and agrees with groupconv's C4")
    quarter = expected[1]
    if np.array_equal(got[1], quarter.T):
        raise ex.wrong(f"c4_matrix(1) {_points(got[1])}: that is a clockwise quarter turn; the "
                       f"lab's rotations are counter-clockwise, (1, 0) -> (0, 1) in (u, v) = "
                       f"(row, column) coordinates")
    if not np.array_equal(got[1], quarter):
        raise ex.wrong(f"c4_matrix(1) {_points(got[1])}, which is not a quarter turn "
                       f"counter-clockwise: such a turn sends (1, 0) to (0, 1) in (u, v) = "
                       f"(row, column) coordinates; where must it send (0, 1)?")
    if not np.array_equal(got[0], np.eye(2)):
        raise ex.wrong(f"c4_matrix(0) {_points(got[0])}: no turn at all leaves every point "
                       f"where it is")
    for r in (2, 3):
        if not np.array_equal(got[r], expected[r]):
            raise ex.wrong(f"c4_matrix({r}) is not c4_matrix(1) applied {r} times: {r} quarter "
                           f"turns are one quarter turn, repeated")
    for r in sorted(got, key=abs):
        if not np.array_equal(got[r], expected[r]):
            below = max((abs(q) for q in got if abs(q) < abs(r)), default=0)
            floats = "" if abs(r) < 10**8 else (
                f"; right for every |r| up to {below:,}: sympy's Matrix power is not exact for "
                f"every large r (it is wrong for this one), so reduce r modulo 4 with integers "
                f"first") if r in from_sympy else "" if abs(r) < 10**8 else (
                f"; right for every |r| up to {below:,}: for larger r, cos and sin of r pi / 2 "
                f"in floating point are off by more (int() truncates 0.99999999 to 0)" + (
                    ", and r itself as a float (float(r), r / 4, np.floor) is exact up to 2^53 "
                    "only" if abs(r) > 2**53 else "") + ", so reduce r modulo 4 with integers "
                "first")
            raise ex.wrong(f"c4_matrix({r}) differs from c4_matrix({r % 4}), but {r} quarter "
                           f"turns are the same rotation as {r % 4}: r is defined modulo 4 "
                           f"(and a negative r turns clockwise){floats}")
    raise AssertionError("unreachable")  # pragma: no cover


# ------------------------------------------------------------------ 1.2 p4's law
def _tuple(value: Any, ex: _Exercise, shown: str) -> tuple[int, ...]:
    """Three exact integers, or a WrongAnswer that says what came back."""
    items = list(value) if isinstance(value, (tuple, list, np.ndarray)) else None
    if items is None or not all(_is_number(v) for v in items):
        raise ex.wrong(f"{shown} must return a tuple (r, u, v) of three integers, got "
                       f"{_brief(value)}")
    try:
        a = np.asarray([float(v) for v in items], dtype=np.float64).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        raise ex.wrong(f"{shown} must return a tuple (r, u, v) of three integers, got "
                       f"{_brief(value)}") from None
    if a.size != 3:
        raise ex.wrong(f"{shown} must return a tuple (r, u, v) of three integers, got "
                       f"{_brief(value)}")
    if not np.all(np.isfinite(a)) or not np.array_equal(a, np.round(a)):
        raise ex.wrong(f"{shown} returned {_brief(value)}: the parameters are exact integers")
    return tuple(int(v) for v in a)


def _law(a: tuple, b: tuple, turn: int = 1, order: str = "ab", rotate_by: str = "a",
         reduce: bool = True) -> tuple[int, int, int]:
    """A variant of p4's product, for the diagnoses (the right one: the defaults)."""
    if order == "ba":
        a, b = b, a
    r = a[0] + b[0]
    k = {"a": a[0], "b": b[0], "none": 0}[rotate_by] * turn
    t = np.array(a[1:]) + C4.element(r=k % 4).matrix()[:2, :2] @ np.array(b[1:])
    return (r % 4 if reduce else r, int(t[0]), int(t[1]))


def _inverse_variant(a: tuple, turn: int = -1, negate_r: bool = True, reduce: bool = True,
                     rotate: bool = True) -> tuple[int, int, int]:
    r = -a[0] if negate_r else a[0]
    k = (turn * a[0]) if rotate else 0
    t = -(C4.element(r=k % 4).matrix()[:2, :2] @ np.array(a[1:]))
    return (r % 4 if reduce else r, int(t[0]), int(t[1]))


_PRODUCT_MISTAKES = [
    (dict(order="ba"), "it computes b a, the product in the other order: a b means "
     "'a after b' (section 1), and p4 is not commutative"),
    (dict(rotate_by="b"), "b's translation is turned by b's own rotation: in a b, which "
     "rotation acts on b's translation? (a acts after b)"),
    (dict(turn=-1), "b's translation is turned the wrong way (clockwise): check the sense of "
     "your rotation matrix"),
    (dict(rotate_by="none"), "the translations are only added: in a b, a's rotation also acts "
     "on b's translation"),
    (dict(reduce=False), "the rotation part is not reduced: p4's rotation parameter r is "
     "0, 1, 2 or 3 (quarter turns modulo 4)"),
]
_INVERSE_MISTAKES = [
    (dict(rotate=False), "it negates the translation but does not turn it: a^-1 undoes the "
     "rotation too, so solve (r, t)(r', t') = (0, 0) for t' and see which rotation acts on it"),
    (dict(turn=1), "the translation is turned the wrong way: solve (r, t)(r', t') = (0, 0) for "
     "t' and check which power of R appears"),
    (dict(negate_r=False), "its rotation part does not undo a's: r + r' must be 0 modulo 4"),
    (dict(reduce=False), "the rotation part is not reduced: p4's rotation parameter r is "
     "0, 1, 2 or 3 (quarter turns modulo 4)"),
]


def _law_says(report: Any) -> str:
    """check_group_law's report for a student: its first lines, less those that state a
    formula of the solution (``SOLUTION_FRAGMENTS``)."""
    return "\n  ".join(re.sub(r", expected \([^()]*\)", "", line)   # never the answer
                       for line in repr(report).splitlines()[:4] if not _gives_away(line))


def grade_p4_law(p4_product: Callable[[tuple, tuple], Any],
                 p4_inverse: Callable[[tuple], Any]) -> Passed:
    """Exercise 1.2: ``p4_product(a, b)`` and ``p4_inverse(a)`` on parameter tuples (r, u, v),
    graded by ``check_group_law`` on every pair of rotations and random translations; each
    function is diagnosed on its own (a wrong product does not hide a wrong inverse).

    Examples
    --------
    >>> from groupconv import P4
    >>> from groupconv.labs import grade
    >>> product = lambda a, b: (P4.element(r=a[0], u=a[1], v=a[2])
    ...                         * P4.element(r=b[0], u=b[1], v=b[2])).params
    >>> inverse = lambda a: P4.element(r=a[0], u=a[1], v=a[2]).inverse().params
    >>> grade("1.2", product, inverse)   # the library's own law: refused
    Traceback (most recent call last):
    ...
    groupconv.labs.grading.WrongAnswer: Exercise 1.2 (p4_product): your code calls groupconv (groupconv.groups.core.element): this exercise asks you to write it yourself, with NumPy, so that the grader checks your code and not the library's
    """
    ex = _Exercise("1.2", "p4_product", own_work=True)
    _callable(p4_product, ex)
    inv = _Exercise("1.2", "p4_inverse", own_work=True)
    _callable(p4_inverse, inv)
    rng = np.random.default_rng(12)
    pairs = [((ra, *rng.integers(-9, 10, 2).tolist()), (rb, *rng.integers(-9, 10, 2).tolist()))
             for ra in range(4) for rb in range(4) for _ in range(3)]
    far = 10**6        # and translations far from the origin (a search over a window, int8)
    pairs += [((ra, *rng.integers(-far, far + 1, 2).tolist()),
               (rb, *rng.integers(-far, far + 1, 2).tolist()))
              for ra in range(4) for rb in range(4)]
    # and further still, where float32 (exact to 2^24) and int32 (to 2^31 - 1) are not
    wide = [10**8, 3 * 10**9, 10**10]
    # (t + 1 and t - 1 are not float32 numbers: in a and in b, so that arithmetic in float32
    # on either, and an inverse computed in float32, lose the last digit)
    pairs += [((ra, int(rng.choice([-1, 1])) * t - 1, int(rng.integers(-far, far + 1))),
               (rb, int(rng.integers(-far, far + 1)), int(rng.choice([-1, 1])) * t + 1))
              for ra in range(4) for rb in range(4) for t in [wide[(ra + rb) % 3]]]
    # and pure rotations, alone and with a translation along one axis: the cases a shortcut
    # for "no translation" gets wrong (a quarter turn is not its own inverse)
    pairs += [((ra, 0, 0), (rb, 0, 0)) for ra in range(4) for rb in range(4)]
    pairs += [((ra, int(rng.integers(1, 10)), 0), (rb, 0, int(rng.integers(-9, 0))))
              for ra in range(4) for rb in range(4)]

    slow = (": a product or an inverse in p4 is a few integer operations (a search over "
            "elements, or a loop over the translation's steps, takes time in proportion to "
            "their size)")

    def product(a: tuple, b: tuple) -> Any:
        return ex.call(p4_product, a, b, shown=f"p4_product({a}, {b})", seconds=SECONDS,
                       slow=slow)

    def inverse(a: tuple) -> Any:
        return inv.call(p4_inverse, a, shown=f"p4_inverse({a})", seconds=SECONDS, slow=slow)

    got_products = [_tuple(product(a, b), ex, f"p4_product({a}, {b})") for a, b in pairs]
    elements = sorted({a for a, _ in pairs})
    got_inverses = [_tuple(inverse(a), inv, f"p4_inverse({a})") for a in elements]
    stopped: list[WrongAnswer] = []    # check_group_law reports exceptions; the grader's own

    def kept(call: Callable[..., Any]) -> Callable[..., Any]:     # ... are raised as they are
        def run(*args: Any) -> Any:
            try:
                return call(*args)
            except WrongAnswer as error:
                stopped.append(error)
                raise
        return run

    report = check_group_law(
        kept(lambda a, b: _tuple(product(a, b), ex, f"p4_product({a}, {b})")),
        kept(lambda a: _tuple(inverse(a), inv, f"p4_inverse({a})")), P4)
    if stopped:
        raise stopped[0]
    wrong_products = [(a, b, g) for (a, b), g in zip(pairs, got_products) if g != _law(a, b)]
    wrong_inverses = [(a, g) for a, g in zip(elements, got_inverses)
                      if g != _inverse_variant(a)]
    lines = ["Exercise 1.2: your group law disagrees with p4's."]
    # the same calls again: a law depends on its arguments only, not on the calls before
    for (a, b), g in zip(pairs, got_products):
        again = _tuple(product(a, b), ex, f"p4_product({a}, {b})")
        if again != g:
            raise WrongAnswer(f"{lines[0]}\n- p4_product({a}, {b}) gave {g} the first time and "
                              f"{again} when called again: the product must depend on a and b "
                              f"only (no state kept between calls).")
    for a, g in zip(elements, got_inverses):
        again = _tuple(inverse(a), inv, f"p4_inverse({a})")
        if again != g:
            raise WrongAnswer(f"{lines[0]}\n- p4_inverse({a}) gave {g} the first time and "
                              f"{again} when called again: the inverse must depend on a only "
                              f"(no state kept between calls).")
    if report.ok and not wrong_products and not wrong_inverses:
        return Passed("1.2", f"{len(pairs) + report.products} products and "
                             f"{len(elements) + report.inverses} inverses agree with "
                             f"groupconv's p4 (check_group_law and the grader's own)")
    if not wrong_products and not wrong_inverses:     # only check_group_law's draws disagree
        raise WrongAnswer(f"{lines[0]}\n- right on the grader's {len(pairs)} pairs, but not "
                          f"on check_group_law's: look at the elements below (a zero in a "
                          f"translation? a pure rotation?) and make the law hold for every "
                          f"element, with no special case.\ncheck_group_law says: "
                          + _law_says(report))
    unreduced = [(f"p4_product({a}, {b})", g) for (a, b), g in zip(pairs, got_products)
                 if not 0 <= g[0] < 4] + [(f"p4_inverse({a})", g) for a, g in
                                          zip(elements, got_inverses) if not 0 <= g[0] < 4]
    if unreduced:
        call, g = unreduced[0]
        raise WrongAnswer(f"{lines[0]}\n- {call} = {g}: the rotation part is not reduced: "
                          f"p4's rotation parameter r is 0, 1, 2 or 3 (quarter turns modulo 4); "
                          f"{len(unreduced)} of the results tried are outside that range.")
    def is_wide(*elements: tuple) -> bool:
        return any(max(abs(e[1]), abs(e[2])) > far for e in elements)
    if all(is_wide(a, b) for a, b, _ in wrong_products) and \
            all(is_wide(a) for a, _ in wrong_inverses):
        call, g = (f"p4_product{wrong_products[0][:2]}", wrong_products[0][2]) \
            if wrong_products else (f"p4_inverse({wrong_inverses[0][0]})", wrong_inverses[0][1])
        raise WrongAnswer(f"{lines[0]}\n- right for translations up to {far:,}, but {call} = "
                          f"{g} is wrong: at 10^8 and beyond, a narrow number type loses "
                          f"digits (float32 keeps integers exactly up to 2^24 = 16,777,216, "
                          f"int32 up to 2^31 - 1 = 2,147,483,647): compute with Python ints "
                          f"or int64.")
    if wrong_products:
        a, b, g = wrong_products[0]
        lines.append(f"- p4_product is wrong for {len(wrong_products)} of {len(pairs)} pairs "
                     f"tried, e.g. p4_product({a}, {b}) = {g}, which is not a b.")
        for variant, why in _PRODUCT_MISTAKES:
            if all(g == _law(a, b, **variant) for (a, b), g in zip(pairs, got_products)):
                lines.append(f"  It agrees with a known mistake: {why}.")
                break
        else:
            off = [tuple(x - y for x, y in zip(g, _law(a, b))) for a, b, g in wrong_products]
            if all(d[0] == 0 and max(abs(d[1]), abs(d[2])) == 1 for d in off):
                lines.append("  Every wrong product is off by one in a translation entry, "
                             "with the rotation right: that is floating point truncated "
                             "(int(2.9999999999999996) is 2): cos and sin of multiples of pi / "
                             "2 are not exact floats; turn with exact integer matrices.")
            else:
                lines.append("  Compose the two elements as maps of the plane, x -> R^r x + "
                             "t: apply b, then a, and read off the rotation and the "
                             "translation.")
    if wrong_inverses:
        a, g = wrong_inverses[0]
        e = _law(a, g)
        lines.append(f"- p4_inverse is wrong for {len(wrong_inverses)} of {len(elements)} "
                     f"elements tried: a a^-1 must be the identity (0, 0, 0), but for a = {a} "
                     f"your inverse gives a a^-1 = {e} (computed with p4's product).")
        for variant, why in _INVERSE_MISTAKES:
            if all(g == _inverse_variant(a, **variant) for a, g in zip(elements, got_inverses)):
                lines.append(f"  It agrees with a known mistake: {why}.")
                break
    lines.append("check_group_law says: " + _law_says(report))
    raise WrongAnswer("\n".join(lines))


# ------------------------------------------------------------------ 1.3 D4's Cayley table
def grade_d4_table(d4_table: Callable[[], Any]) -> Passed:
    """Exercise 1.3: ``d4_table()``, the 8 x 8 Cayley table of D4: entry [a, b] is the index of
    the product (element a)(element b), elements indexed 4 m + r for M^m R^r; graded as a law
    by ``check_group_law`` (the product read off the table), and as a table.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv.labs import grade
    >>> grade("1.3", lambda: np.zeros((8, 8), int))
    Traceback (most recent call last):
    ...
    groupconv.labs.grading.WrongAnswer: Exercise 1.3 (d4_table): row 0 of your table repeats an element: in a group's table every element appears once in each row and each column (a b = a c gives b = c)
    """
    ex = _Exercise("1.3", "d4_table", own_work=True)
    _callable(d4_table, ex)
    table = _array(ex.call(d4_table, shown="d4_table()"), ex, "d4_table()", signed=False)
    if table.shape != (8, 8):
        raise ex.wrong(f"d4_table() must return an 8 x 8 array of element indices, got shape "
                       f"{table.shape}")
    if np.array_equal(table, np.round(table)) and table.min() == 1 and table.max() == 8:
        raise ex.wrong("your entries run from 1 to 8: the indices count from 0, 0..7 (4 m + r "
                       "for M^m R^r: the identity is 0)")
    if not np.array_equal(table, np.round(table)) or table.min() < 0 or table.max() > 7:
        raise ex.wrong("the entries must be the indices 0..7 of the products (4 m + r for "
                       "M^m R^r), not the matrices or other numbers")
    table = table.astype(np.int64)
    for what, lines in (("row", table), ("column", table.T)):
        for i, line in enumerate(lines):
            if len(set(line.tolist())) != 8:
                raise ex.wrong(f"{what} {i} of your table repeats an element: in a group's "
                               f"table every element appears once in each row and each column "
                               f"(a b = a c gives b = c)")
    params = [tuple(int(p) for p in e.params) for e in D4.elements()]
    index = {p: i for i, p in enumerate(params)}
    identity = [i for i in range(8) if np.array_equal(table[i], np.arange(8))]

    def product(a, b):
        return params[table[index[tuple(a)], index[tuple(b)]]]

    def inverse(a):
        row = table[index[tuple(a)]]
        return params[int(np.flatnonzero(row == (identity[0] if identity else 0))[0])]

    report = check_group_law(product, inverse, D4)
    expected = np.array([[index[tuple((D4.element(**dict(zip(D4.param_names, a)))
                                       * D4.element(**dict(zip(D4.param_names, b)))).params)]
                          for b in params] for a in params])
    if report.ok and np.array_equal(table, expected):
        return Passed("1.3", "all 64 products agree with groupconv's D4 (check_group_law)")
    if np.array_equal(table, expected.T):
        raise ex.wrong("entry [a, b] holds b a: row a and column b must hold a b, 'a after "
                       "b'. (For D4 the same table comes from reading element 4 m + r as "
                       "R^r M^m, the mirror first; the lab's element is M^m R^r, the rotation "
                       "acting first.)")
    if identity and identity[0] != 0:
        raise ex.wrong(f"row {identity[0]} of your table is the identity's row, but index 0 is "
                       f"the identity: check the order of the elements (index 4 m + r)")
    swapped = np.array([2 * (i % 4) + i // 4 for i in range(8)])   # lab index -> 2 r + m
    back = np.argsort(swapped)
    if np.array_equal(table, swapped[expected[np.ix_(back, back)]]):
        raise ex.wrong("your elements are ordered 2 r + m; the lab's order is 4 m + r "
                       "(the rotations first, then the mirrors)")
    other = np.array([[index[_rm_product(a, b)] for b in params] for a in params])
    if np.array_equal(table, other):
        raise ex.wrong("your element 4 m + r is R^r M^m (the mirror first); the lab's is "
                       "M^m R^r, the rotation acting first (section 1)")
    relabelled = _relabelling(table, expected, params)
    if relabelled:
        raise ex.wrong(relabelled)
    wrong = np.argwhere(table != expected)
    a, b = wrong[0]
    raise ex.wrong(f"{len(wrong)} of 64 entries disagree with D4, e.g. entry [{a}, {b}] "
                   f"(a = {params[a]}, b = {params[b]} as (m, r)); multiply the two matrices "
                   f"and find which element's matrix the product is{_not_d4(table)}"
                   f"\ncheck_group_law says: " + _law_says(report))


def _relabelling(table: np.ndarray, expected: np.ndarray, params: list[tuple]) -> str:
    """For D4's table with its elements indexed in another order (a relabelling σ of the
    indices, table[σ a, σ b] = σ (a b), searched over all 8! of them), a sentence naming the
    elements out of place; else ""."""
    sigma = np.array(list(itertools.permutations(range(8))))
    same = (table[sigma[:, :, None], sigma[:, None, :]] ==
            np.take_along_axis(sigma, expected.reshape(1, 64), axis=1).reshape(-1, 8, 8)
            ).all(axis=(1, 2))
    if not same.any():
        return ""
    found = sigma[same]        # several where D4's automorphisms apply: the fewest moved
    best = found[np.argmax((found == np.arange(8)).sum(axis=1))]
    moved = [i for i in range(8) if best[i] != i]
    reads = ", ".join(f"(m, r) = {params[i]} is read at index {int(best[i])}" for i in moved)
    return (f"your table is D4's with some elements at other indices (the same group under "
            f"other names): for example, it is D4's when {reads}; the lab's index of M^m R^r "
            f"is 4 m + r ({', '.join(str(i) for i in moved)} here)")


def _not_d4(table: np.ndarray) -> str:
    """Why a wrong table (a Latin square) is not D4's, as a clause: no identity, not
    associative (a triple shown), commutative, or another group of order 8 (the elements'
    orders); "" where none applies."""
    e = next((i for i in range(8) if np.array_equal(table[i], np.arange(8)) and
              np.array_equal(table[:, i], np.arange(8))), None)
    if e is None:
        return ("; no element of your table acts as the identity (row and column equal to the "
                "indices 0..7), and index 0 is the identity: entries [0, b] and [b, 0] are b")
    left = table[table[:, :, None], np.arange(8)[None, None, :]]      # (a b) c
    right = table[np.arange(8)[:, None, None], table[None, :, :]]     # a (b c)
    if (left != right).any():
        a, b, c = (int(v) for v in np.argwhere(left != right)[0])
        return (f"; your table is not associative: ({a} {b}) {c} = {left[a, b, c]} but "
                f"{a} ({b} {c}) = {right[a, b, c]}, where products of matrices always agree")
    if np.array_equal(table, table.T):
        return ("; your table is a group, but a commutative one (a b = b a for every pair): "
                "D4 is not (M R = R^3 M): are the products computed in an order that does not "
                "matter, e.g. as sums of the parameters?")
    orders = []
    for a in range(8):
        power, n = a, 1
        while power != e:
            power, n = table[power, a], n + 1
        orders.append(n)
    counts = ", ".join(f"{orders.count(n)} of order {n}" for n in sorted(set(orders)))
    return (f"; your table is a group of order 8, but not D4: its elements have orders "
            f"{counts}, D4's 1 of order 1, 5 of order 2 and 2 of order 4")


def _rm_product(a: tuple, b: tuple) -> tuple[int, int]:
    """(m, r) of the product when element (m, r) is read as R^r M^m (the other order)."""
    def matrix(p):
        m, r = p
        return C4.element(r=r).matrix()[:2, :2] @ np.diag([(-1) ** m, 1])
    target = matrix(a) @ matrix(b)
    for m in (0, 1):
        for r in range(4):
            if np.array_equal(matrix((m, r)), target):
                return (m, r)
    raise AssertionError("unreachable")  # pragma: no cover


# ------------------------------------------------------------------ 2.1, 2.2 correlations
_AXES = {"B": "batch", "O": "output channel", "I": "input channel", "S": "rotation",
         "H": "row", "W": "column"}


def _shape_diagnosis(shape: tuple, expected: dict[str, int], c_in: int, mode_sizes: dict
                     ) -> str:
    """What a wrong output shape most likely means, in the student's terms."""
    names = list(expected)
    want = tuple(expected.values())
    layout = "(" + ", ".join(_AXES[n] for n in names) + ")"
    lines = f"your output has shape {shape}; expected {want}, {layout}"
    dims = {v: n for n, v in expected.items()}
    if len(shape) == len(want) and sorted(shape) == sorted(want):
        got = "(" + ", ".join(_AXES[dims[v]] for v in shape) + ")"
        return f"{lines}: your axes are in the order {got}; put them in the order {layout}"
    if len(shape) == len(want) + 1 and sorted(shape) == sorted(want + (expected["S"],)):
        return (f"{lines}: there is an extra axis of length {expected['S']}, the input's "
                f"rotations: a group correlation sums over the input's rotations s as well as "
                f"over its channels")
    if len(shape) == len(want) + 1 and sorted(shape) == sorted(want + (c_in,)):
        return (f"{lines}: there is an extra axis of length {c_in}, the input channels: the "
                f"correlation sums over the input channels")
    if len(shape) == len(want) - 1:
        if sorted(shape) == sorted(tuple(v for n, v in expected.items() if n != "S")):
            return f"{lines}: there is no rotation axis; the output has one plane per rotation"
        if expected["O"] * expected["S"] in shape:
            return (f"{lines}: the rotations are folded into the channels; keep a separate "
                    f"rotation axis after the channel axis")
    if len(shape) == len(want) and shape[1:] == want[1:]:
        return (f"{lines}: the batch axis has {shape[0]} entries for {want[0]} images: each image "
                f"of the batch gives its own output")
    if len(shape) == len(want) and shape[1] == c_in and c_in != expected["O"]:
        return (f"{lines}: axis 1 has the {c_in} input channels where {expected['O']} output "
                f"channels belong: each output channel sums over all input channels")
    if len(shape) == len(want) and shape[:3] == want[:3]:
        for mode, size in mode_sizes.items():
            if shape[3:] == size:
                return (f"{lines}: rows and columns are those of a '{mode}' correlation; the "
                        f"exercise asks for 'valid' (the window stays inside the image)")
        if shape[3:] == want[3:][::-1]:
            return f"{lines}: rows and columns are swapped"
        offsets = {g - w for g, w in zip(shape[3:], want[3:])}
        if len(offsets) == 1 and abs(next(iter(offsets))) == 1:
            few = "too few" if offsets == {-1} else "too many"
            return (f"{lines}: one output position {few} along each axis: a 'valid' "
                    f"correlation has H - k + 1 positions along the rows (range(H - k + 1)), "
                    f"W - k + 1 along the columns")
        if len(offsets) == 1:
            return (f"{lines}: your output's rows and columns are {shape[3:]}; a 'valid' "
                    f"correlation of an (H, W) image with a k x k kernel has (H - k + 1, "
                    f"W - k + 1)")
    return lines


def _turned(a: np.ndarray, q: int) -> np.ndarray:
    return np.rot90(a, q, axes=(-2, -1))


def _planes(got: np.ndarray, ref: np.ndarray, what: Callable[[int], str]) -> str:
    """Which output planes (rotations) agree with the reference, and what the others are."""
    square = got.shape[-1] == got.shape[-2]
    agree, other = [], []
    for r in range(4):
        if _close(got[:, :, r], ref[:, :, r]):
            agree.append(r)
            continue
        found = None
        for r2 in range(4):
            for q in range(4 if square else 1):
                if (r2, q) != (r, 0) and _close(got[:, :, r], _turned(ref[:, :, r2], q)):
                    found = (r2, q)
                    break
            if found:
                break
        if found is None:
            other.append(f"plane {r} matches none of groupconv's planes")
        elif found[1] == 0:
            other.append(f"your plane {r} equals groupconv's plane {found[0]} ({what(found[0])})")
        else:
            other.append(f"your plane {r} equals groupconv's plane {found[0]} turned by "
                         f"{found[1]} quarter turns")
    head = ("no plane agrees with groupconv" if not agree else
            f"plane {agree[0]} agrees with groupconv" if len(agree) == 1 else
            f"planes {', '.join(map(str, agree))} agree with groupconv")
    return "; ".join([head] + other)


def _shifted(got: np.ndarray, ref: np.ndarray) -> tuple[int, int] | None:
    """The one-pixel shift (di, dj) with got[i, j] = ref[i + di, j + dj] where both exist."""
    h, w = got.shape[-2:]
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if (di, dj) == (0, 0):
                continue
            a = got[..., max(0, -di):h - max(0, di), max(0, -dj):w - max(0, dj)]
            b = ref[..., max(0, di):h - max(0, -di), max(0, dj):w - max(0, -dj)]
            if a.size and _close(a, b):
                return di, dj
    return None


def _group_variant(x: np.ndarray, w: np.ndarray, index: Callable[[int, int], int | None],
                   turn: Callable[[int, int], int], cache: dict) -> np.ndarray:
    """out[:, :, r] = sum_s (x[:, :, s] correlated with w[:, :, index(r, s)] turned by
    turn(r, s)):
    the group correlation and the ways students get it wrong, built from groupconv's lifting
    correlation of one input plane with one kernel plane."""
    planes = []
    for r in range(4):
        total = 0.0
        for s in range(4):
            j = index(r, s)
            if j is None:
                continue
            if (s, j) not in cache:
                cache[s, j] = lifting_correlation(x[:, :, s], w[:, :, j], P4)
            total = total + cache[s, j][:, :, turn(r, s) % 4]
        planes.append(total)
    return np.stack(planes, axis=2)


_LIFTING_MISTAKES: list[tuple[str, Callable]] = [
    ("the kernels turn clockwise: the lab's rotations are counter-clockwise as an image is "
     "shown (section 1), and np.rot90 turns counter-clockwise for a positive count",
     lambda x, w: lifting_correlation(x, w, P4)[:, :, [0, 3, 2, 1]]),
    ("the kernels are flipped: that is a convolution, and the lifting correlation correlates "
     "(no flip; (L_g psi)(y) = psi(g^-1 y) only turns and moves the kernel)",
     lambda x, w: lifting_correlation(x, np.flip(w, (-2, -1)), P4)),
    ("the kernels are transposed (mirrored about the diagonal), not turned",
     lambda x, w: lifting_correlation(x, np.swapaxes(w, -1, -2), P4)),
    ("the kernels are not turned: every plane is the correlation with the kernel itself",
     lambda x, w: np.repeat(lifting_correlation(x, w, P4)[:, :, :1], 4, axis=2)),
    ("the planes are off by one rotation: plane 0 must be the kernel not turned at all",
     lambda x, w: np.roll(lifting_correlation(x, w, P4), -1, axis=2)),
    ("the planes are off by one rotation: plane 0 must be the kernel not turned at all",
     lambda x, w: np.roll(lifting_correlation(x, w, P4), 1, axis=2)),
]

_FLIPPED = ("the kernels are flipped (turned by half a turn in the plane): that is a "
            "convolution in the plane, where the group correlation correlates (no flip; "
            "(L_g psi)(h) = psi(g^-1 h) only turns the kernel, and moves its rotation axis)")

_GROUP_MISTAKES: list[tuple[str, Callable[[int, int], int | None], Callable[[int, int], int]]] = [
    ("the kernel's rotation axis is indexed with the difference of the two rotations taken "
     "the wrong way round: work out the rotation part of g^-1 h for g = (r, t) and h = (s, y)",
     lambda r, s: (r - s) % 4, lambda r, s: r),
    ("the kernel's rotation axis is not shifted: L_g moves a function on p4 along its "
     "rotation axis as well as turning it (section 2)", lambda r, s: s, lambda r, s: r),
    ("the kernel's rotation axis is shifted the wrong way (the two rotations added): work out "
     "the rotation part of g^-1 h for g = (r, t) and h = (s, y)", lambda r, s: (s + r) % 4,
     lambda r, s: r),
    ("the kernel planes are shifted by one too many or too few: check the rotation part of "
     "g^-1 h", lambda r, s: (s - r + 1) % 4, lambda r, s: r),
    ("the kernel planes are shifted by one too many or too few: check the rotation part of "
     "g^-1 h", lambda r, s: (s - r - 1) % 4, lambda r, s: r),
    ("the kernel planes are shifted along the rotation axis but not turned: L_g turns each "
     "plane too", lambda r, s: (s - r) % 4, lambda r, s: 0),
    ("the kernels are turned clockwise while their planes shift as for counter-clockwise: "
     "np.rot90 turns counter-clockwise for a positive count", lambda r, s: (s - r) % 4,
     lambda r, s: -r),
    ("the output planes come in reverse order (plane r holds the output for rotation -r): "
     "the kernels turn clockwise and their planes shift the other way", lambda r, s: (s + r) % 4,
     lambda r, s: -r),
    ("the kernels are turned one quarter turn too many or too few (plane r should be turned "
     "by r quarter turns, not r + 1 or r - 1)", lambda r, s: (s - r) % 4, lambda r, s: r + 1),
    ("the kernels are turned one quarter turn too many or too few (plane r should be turned "
     "by r quarter turns, not r + 1 or r - 1)", lambda r, s: (s - r) % 4, lambda r, s: r - 1),
    ("the output planes are rolled by one along the rotation axis (plane r holds the output "
     "for rotation r - 1 or r + 1): check the index you write each output plane to",
     lambda r, s: (s - r + 1) % 4, lambda r, s: r - 1),
    ("the output planes are rolled by one along the rotation axis (plane r holds the output "
     "for rotation r - 1 or r + 1): check the index you write each output plane to",
     lambda r, s: (s - r - 1) % 4, lambda r, s: r + 1),
    ("the kernel's rotation axis is indexed with r - s, and the kernels turn clockwise: two "
     "mistakes at once (work out the rotation part of g^-1 h; np.rot90 turns counter-clockwise "
     "for a positive count)", lambda r, s: (r - s) % 4, lambda r, s: -r),
    ("the kernels are turned by the input's rotation s, where L_g turns them by the output's: "
     "work out g^-1 h for g = (r, t) and h = (s, y), and which of the two turns the kernel",
     lambda r, s: (s - r) % 4, lambda r, s: s),
    ("the sum over the input's rotations leaves out s = 3 (range(3) stops at 2): it runs over "
     "all four", lambda r, s: (s - r) % 4 if s != 3 else None, lambda r, s: r),
    ("the sum over the input's rotations leaves out s = 0: it runs over all four",
     lambda r, s: (s - r) % 4 if s != 0 else None, lambda r, s: r),
    ("there is no sum over the input's rotations: only the term s = r is there",
     lambda r, s: 0 if s == r else None, lambda r, s: r),
    ("there is no sum over the input's rotations: only the term s = 0 is there",
     lambda r, s: (-r) % 4 if s == 0 else None, lambda r, s: r),
]


def _scaled(got: np.ndarray, reference: np.ndarray, c_in: int, on_group: bool) -> str | None:
    """What a result that is the right one times a constant says (a mean for a sum), or None
    when it is not."""
    factor = constant_factor(got, reference, TOLERANCE)
    if factor is None:
        return None
    means = {c_in: "the input channels", 4: "the input's rotations s",
             4 * c_in: "the input channels and rotations"}
    meant = next((what for n, what in means.items() if (on_group or n == c_in) and
                  abs(factor * n - 1) < 1e-6), None)
    if meant is not None:
        return (f"your output is the right one divided by {round(1 / factor)}: a mean over "
                f"{meant} where the correlation sums")
    return (f"your output is the right one times {factor_text(factor)}: the correlation is a "
            f"plain sum of products, with no factor")


def _same_as_returned(results: list[tuple[Any, np.ndarray, str]], ex: _Exercise) -> None:
    """A WrongAnswer if an array an answer returned has changed since (the same buffer
    returned by every call, and written again by the next one)."""
    for raw, copied, shown in results:
        if not (isinstance(raw, np.ndarray) or is_torch_array(raw)):   # (JAX's: immutable)
            continue
        now = np.asarray(to_numpy(raw), dtype=np.float64)
        if not np.array_equal(now, copied):
            raise ex.wrong(f"the array {shown} returned changed when your function was called "
                           f"again: it returns the same array every call (a global or cached "
                           f"buffer), so a result kept in a variable is overwritten by the next "
                           f"call; return a new array each time")


def _grade_correlation(fn: Callable, number: str, name: str, kind: str,
                       dtype: Any = np.float64) -> Passed:
    ex = _Exercise(number, name, own_work=True)
    _callable(fn, ex)
    dtype = float_dtype(dtype, f"grade: dtype (of the inputs the grader gives {name})")
    rng = np.random.default_rng(int(number.replace(".", "")))
    b, c_in, c_out, k, h, w_ = 2, 3, 5, 3, 9, 11
    on_group = kind != "lifting"
    s_axis = (4,) if on_group else ()
    x = rng.standard_normal((b, c_in) + s_axis + (h, w_))
    w = rng.standard_normal((c_out, c_in) + s_axis + (k, k))
    shown = (f"{name}(x, w) with x of shape {x.shape} "
             f"(batch, input channel{', rotation' if on_group else ''}, row, column) and w of "
             f"shape {w.shape} (output channel, input channel{', rotation' if on_group else ''}"
             f", row, column)")
    first: dict[str, Any] = {}   # the first result's "tolerance" (_tolerance_of its dtype) and
    #                              the "result" itself as plain data, in its own dtype
    results: list[tuple[Any, np.ndarray, str]] = []   # what each call returned, and its copy

    def answer(x: np.ndarray, w: np.ndarray, shown: str = f"{name}(x, w)") -> np.ndarray:
        """The student's result on x and w in ``dtype`` (views stay views: their values
        copied into a view of the same strides), as a float64 array, or a WrongAnswer."""
        returned: list[Any] = []
        raw = ex.call(fn, _cast_keeping_strides(x, dtype), _cast_keeping_strides(w, dtype),
                      shown=shown, names=("x", "w"), returned=returned)
        out = _array(raw, ex, f"{name}(x, w)", precise=True)
        if not first:
            first.update(tolerance=_tolerance_of(raw, dtype), result=raw)
        results.append((returned[0], out, shown))
        return out

    try:
        got = answer(x, w, shown)
    except WrongAnswer as failure:
        if not isinstance(failure.__cause__, Exception) or isinstance(failure.__cause__,
                                                                      WrongAnswer):
            raise
        try:   # does it work on a square input? then the rows and columns are the trouble
            ex.call(fn, x[..., :h].astype(dtype), w.astype(dtype), shown=shown,
                    names=("x", "w"))
        except WrongAnswer:
            raise failure from failure.__cause__
        raise ex.wrong(f"works on square images but raised {type(failure.__cause__).__name__} "
                       f"on a {h} x {w_} one ({failure.__cause__}): turning an image or a "
                       f"result that is not square changes its shape; which array does the "
                       f"formula turn, and does a reshape or a view use (W, H) for (H, W)?"
                       ) from failure.__cause__
    tolerance = first["tolerance"]
    op = lifting_correlation if kind == "lifting" else group_correlation
    title = "lifting correlation" if kind == "lifting" else "group correlation"
    reference = op(x, w, P4)
    expected = dict(zip("BOSHW", reference.shape))
    if got.shape != reference.shape:
        sizes = {"same": (h, w_), "full": (h + k - 1, w_ + k - 1)}
        raise ex.wrong(_shape_diagnosis(got.shape, expected, c_in, sizes))
    rounded = _rounded_says(first["result"], reference, f"{name}(x, w)")
    if rounded is not None:
        raise ex.wrong(rounded)
    if _close(got, reference, tolerance):   # right once: and for new values of the same
        fresh = np.random.default_rng()     # shapes? (drawn afresh: no table of seeded draws)
        x2, w2 = fresh.standard_normal(x.shape), fresh.standard_normal(w.shape)
        got2 = answer(x2, w2)
        if not _close(got2, op(x2, w2, P4), tolerance):
            stale = " (it returns the first input's result again)" if _close(got2, got) else ""
            raise ex.wrong(f"right for the first input, but not for new random x and w of the "
                           f"same shapes{stale}: does your code keep results or kernels from "
                           f"one call to the next, or leave entries of an array unwritten "
                           f"(np.empty holds whatever was in that memory before)?")
    try:   # check_layer compares on a h x (h + 1) input and a h x h one
        report = check_layer(answer, P4, kind, channels=(c_in, c_out), k=k, size=h,
                             seed=int(number.replace(".", "")), tolerance=tolerance)
    except WrongAnswer:
        raise
    except (ValueError, TypeError) as error:  # a result check_layer cannot compare
        raise ex.wrong(f"check_layer could not compare your layer with groupconv's on "
                       f"{h} x {h + 1} and {h} x {h} inputs ({type(error).__name__}: {error}); "
                       f"does it work for any size?") from error
    if not report.passed and _close(got, reference, tolerance) and \
            report.explanations[:1] and report.explanations[0].startswith("agrees with kernels"):
        raise ex.wrong(f"right for {k}x{k} kernels, but not for {k + 1}x{k + 1} ones: does your "
                       f"code assume a kernel size?{_check_layer_says(report)}")
    if _close(got, reference, tolerance):
        tall = rng.standard_normal((b, c_in) + s_axis + (w_, h))   # taller than wide
        if not _close(answer(tall, w, f"{name}(x, w) with x of shape {tall.shape} (taller "
                                     f"than wide)"),
                      op(tall, w, P4), tolerance):
            raise ex.wrong(f"right on inputs at least as wide as tall, but not on a {w_} x {h} "
                           f"one (x of shape {tall.shape}, taller than wide): does your code "
                           f"assume H <= W (a padding or a crop to the width)?")
        if not report.passed and report.explanations[:1] and \
                report.explanations[0].startswith(OTHER_DRAWS):
            raise ex.wrong(f"right on a {h} x {w_} input, but check_layer's further draws "
                           f"say: {report.explanations[0]}")
    if report.passed and _close(got, reference, tolerance):
        x4 = rng.standard_normal((3, 2) + s_axis + (8, 8))     # other sizes: 4 x 4 kernels,
        w4 = rng.standard_normal((1, 2) + s_axis + (4, 4))     # one output channel, 3 images
        got4 = answer(x4, w4, f"{name}(x, w) with x of shape {x4.shape} and w of shape "
                              f"{w4.shape}")
        if not _close(got4, op(x4, w4, P4), tolerance):
            raise ex.wrong(f"right for 3x3 kernels, {c_in} -> {c_out} channels and {b} images, "
                           f"but not for 4x4 kernels, 2 -> 1 channels and 3 images (x of shape "
                           f"{x4.shape}, w of shape {w4.shape}): does your code assume a kernel "
                           f"size, a number of channels or a batch size?")
        x1 = rng.standard_normal((1, 1) + s_axis + (h, w_))     # one image of one channel
        w1 = rng.standard_normal((2, 1) + s_axis + (k, k))
        got1 = answer(x1, w1, f"{name}(x, w) with x of shape {x1.shape} and w of shape "
                              f"{w1.shape}")
        expected1 = op(x1, w1, P4)
        if got1.shape == expected1.shape and not _close(got1, expected1, tolerance):
            raise ex.wrong(f"right for {b} images of {c_in} input channels, but not for one "
                           f"image of one input channel at the same size (x of shape "
                           f"{x1.shape}, w of shape {w1.shape}): does your code treat an "
                           f"axis of length 1 apart (a squeeze, a branch on the channel count)?")
        largest = f"{w_} x {w_}"
        for size in ((28, 28), (37, 41)):   # lab 3's digits' size; one past a 32-point FFT
            x_big = rng.standard_normal((1, 1) + s_axis + size)
            w_big = rng.standard_normal((2, 1) + s_axis + (3, 3))
            got_big = answer(x_big, w_big, f"{name}(x, w) with x of shape {x_big.shape}")
            expected_big = op(x_big, w_big, P4)
            if got_big.shape != expected_big.shape and got_big.size == expected_big.size:
                raise ex.wrong(f"{name}(x, w) with x of shape {x_big.shape} (one image, one "
                               f"input channel) and w of shape {w_big.shape} returned shape "
                               f"{got_big.shape}, where the output is {expected_big.shape} (an "
                               f"axis of length 1 dropped: np.squeeze, or out[0] for one "
                               f"image?)")
            if not _close(got_big, expected_big, tolerance):
                raise ex.wrong(f"right on inputs of up to {largest} pixels, but not on a "
                               f"{size[0]} x {size[1]} one (x of shape {x_big.shape}, w of "
                               f"shape {w_big.shape}): does your code assume a largest image "
                               f"size (a fixed FFT or buffer size)?")
            largest = f"{size[0]} x {size[1]}"
        # views, as a student passes when checking by hand: a transposed x and a slice of w
        # (positive strides: torch.from_numpy takes them, as it does not negative ones)
        xv = np.swapaxes(rng.standard_normal((b, c_in) + s_axis + (w_, h)), -1, -2)
        wv = rng.standard_normal((c_out, c_in) + s_axis + (k, 2 * k))[..., ::2]
        gotv = answer(xv, wv, f"{name}(x, w) with x = a.swapaxes(-1, -2) and w = b[..., ::2], "
                              f"views whose strides are not those of their shape")
        if not _close(gotv, op(xv, wv, P4), tolerance):
            raise ex.wrong("right on C-contiguous arrays, but not on views with other strides "
                           "(x.swapaxes(-1, -2), w[..., ::2]: what a slice or a transpose "
                           "returns): does your code compute strides from the shape "
                           "(np.lib.stride_tricks.as_strided with C-order strides) or read the "
                           "memory behind the array? Take the array's own .strides, or call "
                           "np.ascontiguousarray first")
        if dtype == np.float64:   # lab 3's layers pass float32: an answer for any float dtype
            x32, w32 = x.astype(np.float32), w.astype(np.float32)
            shown32 = f"{name}(x, w) with x and w of dtype float32"
            returned: list[Any] = []
            got32 = _array(ex.call(fn, x32, w32, shown=shown32, names=("x", "w"),
                                   returned=returned), ex, f"{name}(x, w)", precise=True)
            results.append((returned[0], got32, shown32))
            if not _close(got32, op(x32, w32, P4), TOLERANCE):
                raise ex.wrong(f"right on float64 arrays, but not on float32 ones ({shown32}, "
                               f"the same values): does your code assume 8-byte items (strides "
                               f"written as multiples of 8, a view of the memory as float64)? "
                               f"Take the array's own .strides or .itemsize")
        _same_as_returned(results, ex)
        said = "" if dtype == np.float64 else ", every input float32"
        return Passed(number, f"agrees with groupconv's {title} on p4 (check_layer: "
                              f"reference error {report.reference_error:.1e}, equivariance "
                              f"error {report.equivariance_error:.1e}; and on {h} x {w_} "
                              f"and {w_} x {h} inputs, one image of one channel, 28 x 28 "
                              f"and 37 x 41 ones, 4x4 kernels and views{said})")
    if report.passed:
        raise ex.wrong(f"right on check_layer's {h} x {h} and {h} x {h + 1} inputs, but not on a "
                       f"{h} x {w_} input: does your code assume the input's size?")
    # diagnose on a square input, where turned planes can be compared with each other
    failed = f"{h} x {w_}" if not _close(got, reference, tolerance) else \
        f"{h} x {h + 1} (check_layer's)"
    x = np.ascontiguousarray(x[..., :h])
    got = answer(x, w, shown.replace(f"{h}, {w_})", f"{h}, {h})"))
    reference = op(x, w, P4)
    if got.shape != reference.shape:
        raise ex.wrong(_shape_diagnosis(got.shape, dict(zip("BOSHW", reference.shape)), c_in,
                                        {"same": (h, h), "full": (h + k - 1, h + k - 1)}))
    if _close(got, reference, tolerance):
        raise ex.wrong(f"right on square inputs, but not on a {failed} input: rows and "
                       f"columns must keep their own sizes (a reshape or view with (W, H) for "
                       f"(H, W)?)")
    error = _relative(got, reference)
    head = (f"your layer does not compute the {title} on p4 (relative error "
            f"{error:.2g} against groupconv on random inputs; equivariance error "
            f"{report.equivariance_error:.1e})")
    if error < 1e-2:
        why = _scaled(got, reference, c_in, on_group) or _near_miss(got, reference, tolerance)
        raise ex.wrong(f"{head}: close, but {why}")
    found = None
    if kind == "lifting":
        for why, variant in _LIFTING_MISTAKES:
            if _close(got, variant(x, w)):
                found = why
                break
        described = lambda r2: f"the kernel turned by {r2} quarter turns"  # noqa: E731
    else:
        cache: dict = {}
        for why, index, turn in _GROUP_MISTAKES:
            if _close(got, _group_variant(x, w, index, turn, cache)):
                found = why
                break
        if found is None and _close(got, group_correlation(x, np.flip(w, (-2, -1)), P4)):
            found = _FLIPPED
        if found is None and _close(got, group_convolution(x, w, P4)):
            found = ("this is the G-convolution, sum_h f(h) psi(h^-1 g): the layer asks for "
                     "the G-correlation, sum_h f(h) psi(g^-1 h)")
        if found is None and _close(got, group_correlation(
                x, np.swapaxes(w, 1, 2).reshape(w.shape), P4)):
            found = ("w is read with its input-channel and rotation axes swapped (w of shape "
                     "(output channel, input channel, rotation, row, column) indexed as "
                     "(output channel, rotation, input channel)): w[o, c, s] is kernel plane s "
                     "of input channel c")
        if found is None and _close(got, lifting_correlation(x.sum(axis=2), w.sum(axis=2), P4)):
            found = ("the rotation axes of input and kernel are summed away before correlating: "
                     "the sum over s pairs each input plane with one kernel plane")
        described = lambda r2: f"the output for rotation {r2}"  # noqa: E731
    if found is None:
        found = next((f"your layer reads input channel {c} alone: the correlation sums over "
                      f"every input channel c (and the kernel's w[o, c] for each)"
                      for c in range(c_in) if _close(got, op(x[:, c:c + 1], w[:, c:c + 1], P4))),
                     None)
    if found is None:
        found = _scaled(got, reference, c_in, on_group)
    if found is None:
        found = next((f"your output is the {what} of the {title}: the exercise's layer is the "
                      f"{title} alone (a nonlinearity is a layer of its own, after it)"
                      for what, f in (("positive part (a ReLU)", lambda y: np.maximum(y, 0.0)),
                                      ("absolute value", np.abs), ("square", np.square))
                      if _close(got, f(reference), tolerance)), None)
    if found is None and all(any(_close(got[:, :, r], _turned(reference[:, :, r], q))
                                 for q in range(4)) for r in range(4)):
        found = ("each plane is the right one turned about its centre: the formula turns only "
                 "the kernel, and turning the input or the output turns the whole plane of "
                 "results")
    if found is None and report.explanations:
        found = _relayed(report)
    if found is not None:
        raise ex.wrong(f"{head}.\n  Diagnosis: {found}.")
    detail = _planes(got, reference, described)
    shift = _shifted(got, reference)
    if shift is not None:
        detail = (f"your output is the right one shifted by {shift} pixels (rows, columns): "
                  f"in a 'valid' correlation out[i, j] sums x[i + a, j + b] w[a, b], starting "
                  f"at the top-left corner")
    elif kind == "lifting" and not any(_close(got[:, :, r], reference[:, :, r2])
                                       for r in range(4) for r2 in range(4)):
        detail += ("; not even the plane with the kernel not turned agrees: check the plain "
                   "correlation first (the window, and the sum over input channels)")
    raise ex.wrong(f"{head}.\n  {detail}.{_check_layer_says(report)}")


def grade_lifting(my_lifting: Callable[[np.ndarray, np.ndarray], Any], *,
                  dtype: Any = np.float64) -> Passed:
    """Exercise 2.1: ``my_lifting(x, w)``, the lifting correlation on p4, x (B, C_in, H, W),
    w (C_out, C_in, k, k) -> (B, C_out, 4, H - k + 1, W - k + 1), graded by ``check_layer``
    and on a non-square input, with a diagnosis of the usual mistakes. ``dtype=np.float32``
    gives it float32 inputs, and holds its result to float32's rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv.labs import grade
    >>> grade("2.1", lambda x, w: np.zeros((2, 4, 5, 7, 9)))
    Traceback (most recent call last):
    ...
    groupconv.labs.grading.WrongAnswer: Exercise 2.1 (my_lifting): your output has shape (2, 4, 5, 7, 9); expected (2, 5, 4, 7, 9), (batch, output channel, rotation, row, column): your axes are in the order (batch, rotation, output channel, row, column); put them in the order (batch, output channel, rotation, row, column)
    """
    return _grade_correlation(my_lifting, "2.1", "my_lifting", "lifting", dtype)


def grade_group_correlation(my_group_correlation: Callable[[np.ndarray, np.ndarray], Any],
                            *, dtype: Any = np.float64) -> Passed:
    """Exercise 2.2: ``my_group_correlation(x, w)``, the group correlation on p4, x (B, C_in, 4,
    H, W), w (C_out, C_in, 4, k, k) -> (B, C_out, 4, H - k + 1, W - k + 1); float32 answers pass
    (``TOLERANCE``), and ``dtype=np.float32`` gives it float32 inputs (its result, of any
    dtype, held to float32's rounding).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv.labs import grade
    >>> grade("2.2", lambda x, w: np.zeros((2, 5, 4, 4, 7, 9)))
    Traceback (most recent call last):
    ...
    groupconv.labs.grading.WrongAnswer: Exercise 2.2 (my_group_correlation): your output has shape (2, 5, 4, 4, 7, 9); expected (2, 5, 4, 7, 9), (batch, output channel, rotation, row, column): there is an extra axis of length 4, the input's rotations: a group correlation sums over the input's rotations s as well as over its channels
    """
    return _grade_correlation(my_group_correlation, "2.2", "my_group_correlation",
                              "correlation", dtype)


# ------------------------------------------------------------------ 2.3 folding into channels
def _bank_variant(w: np.ndarray, index: Callable[[int, int], int | None],
                  turn: Callable[[int, int], int]) -> np.ndarray:
    """bank[o, r, c, s] = w[o, c, index(r, s)] turned by turn(r, s) (zero where index is None):
    the expanded bank and the ways students get it wrong (``_GROUP_MISTAKES``)."""
    c_out, c_in, _, k, _ = w.shape
    bank = np.zeros((c_out, 4, c_in, 4, k, k))
    for r in range(4):
        for s in range(4):
            j = index(r, s)
            if j is not None:
                bank[:, r, :, s] = _turned(w[:, :, j], turn(r, s))
    return bank


def grade_p4_bank(p4_bank: Callable[[np.ndarray], Any]) -> Passed:
    """Exercise 2.3: ``p4_bank(w)``, the expanded filter bank of a p4 group-correlation kernel
    w (C_out, C_in, 4, k, k), as planar kernels (4 C_out, 4 C_in, k, k) (output channel
    o * 4 + r, input channel c * 4 + s), so that one planar correlation of the input with its
    rotation axis folded into the channels computes the group correlation; graded by
    ``check_layer`` through that one correlation, and block by block.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv.labs import grade
    >>> grade("2.3", lambda w: np.zeros((5, 4, 3, 4, 3, 3)))
    Traceback (most recent call last):
    ...
    groupconv.labs.grading.WrongAnswer: Exercise 2.3 (p4_bank): p4_bank(w) for w of shape (5, 3, 4, 3, 3) has shape (5, 4, 3, 4, 3, 3): fold it into planar kernels of shape (20, 12, 3, 3), output channel o * 4 + r and input channel c * 4 + s
    """
    ex = _Exercise("2.3", "p4_bank", own_work=True)
    _callable(p4_bank, ex)
    rng = np.random.default_rng(23)
    c_out, c_in, k = 5, 3, 3
    w = rng.standard_normal((c_out, c_in, 4, k, k))
    shown = f"p4_bank(w) for w of shape {w.shape}"
    returned: list[Any] = []
    raw = ex.call(p4_bank, w, shown=shown, names=("w",), returned=returned)
    bank = _array(raw, ex, shown, precise=True)
    tolerance = _tolerance_of(raw)
    want = (c_out * 4, c_in * 4, k, k)
    if bank.shape != want:
        if bank.shape == (c_out, 4, c_in, 4, k, k):
            why = (f"fold it into planar kernels of shape {want}, output channel o * 4 + r and "
                   f"input channel c * 4 + s")
        elif sorted(bank.shape) == sorted(want):
            why = (f"expected {want}: (output channel o * 4 + r, input channel c * 4 + s, row, "
                   f"column)")
        else:
            why = f"expected {want}"
        raise ex.wrong(f"{shown} has shape {bank.shape}: {why}")
    expected = np.asarray(filter_bank(w, P4)).reshape(want)
    rounded = _rounded_says(raw, expected, shown)
    if rounded is not None:
        raise ex.wrong(rounded)
    if _close(bank, expected, tolerance):  # right once: and for a new w of the same shape?
        w1 = np.random.default_rng().standard_normal(w.shape)
        bank1 = _array(ex.call(p4_bank, w1, shown=shown, names=("w",)), ex, shown, precise=True)
        if not _close(bank1, np.asarray(filter_bank(w1, P4)).reshape(want), tolerance):
            stale = " (it returns the first bank again)" if _close(bank1, bank) else ""
            raise ex.wrong(f"right for the first w, but not for a new random w of the same "
                           f"shape{stale}: does your code keep results from one call to the "
                           f"next, or leave entries of an array unwritten (np.empty holds "
                           f"whatever was in that memory before)?")

    def layer(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The group correlation as one planar correlation with the student's bank."""
        folded = x.reshape(x.shape[0], -1, *x.shape[-2:])
        bank = ex.call(p4_bank, weights, shown=f"p4_bank(w) for w of shape {weights.shape}",
                       names=("w",))
        out = lifting_correlation(folded, np.asarray(bank, np.float64), "z2")
        return out.reshape(x.shape[0], -1, 4, *out.shape[-2:])

    # the layer returns float64 whatever the bank's dtype: check_layer is told the tolerance
    # (its own draws differ from the grader's: a bank kept from the first call must not pass)
    try:
        report = check_layer(layer, P4, "correlation", channels=(c_in, c_out), k=k, size=7,
                             seed=230, tolerance=tolerance)
    except (ValueError, TypeError) as error:   # a bank the planar correlation cannot use
        raise ex.wrong(f"check_layer's calls of p4_bank gave a bank that one planar "
                       f"correlation cannot use ({type(error).__name__}: {error}): does "
                       f"p4_bank return the same kind of bank on every call?") from error
    if report.passed and _close(bank, expected, tolerance):
        w2 = rng.standard_normal((2, 1, 4, 2, 2))
        shown2 = f"p4_bank(w) for w of shape {w2.shape}"
        bank2 = _array(ex.call(p4_bank, w2, shown=shown2, names=("w",)), ex, shown2,
                       precise=True)
        if not _close(bank2, np.asarray(filter_bank(w2, P4)).reshape(8, 4, 2, 2), tolerance):
            raise ex.wrong(f"right for w of shape {w.shape}, but not for {w2.shape}: does your "
                           f"code assume a kernel size or a number of channels?")
        wv = rng.standard_normal((c_out, c_in, 4, k, 2 * k))[..., ::2]    # a view
        shownv = "p4_bank(w) for w = a[..., ::2], a view whose strides are not its shape's"
        bankv = _array(ex.call(p4_bank, wv, shown=shownv, names=("w",)), ex, shownv,
                       precise=True)
        if not _close(bankv, np.asarray(filter_bank(wv, P4)).reshape(want), tolerance):
            raise ex.wrong("right on C-contiguous arrays, but not on a view with other strides "
                           "(w[..., ::2]: what a slice returns): does "
                           "your code compute strides from the shape or read the memory behind "
                           "the array? Take the array's own .strides, or call "
                           "np.ascontiguousarray first")
        _same_as_returned([(returned[0], bank, shown)], ex)
        return Passed("2.3", f"one planar correlation with your bank is the group correlation "
                             f"(check_layer: reference error {report.reference_error:.1e})")
    if _close(bank, expected, tolerance):     # right on the grader's w, not on check_layer's
        raise ex.wrong(f"your bank is right for w of shape {w.shape} (and for a new random w "
                       f"of that shape), but not on check_layer's draws, of other kernel sizes "
                       f"and channel counts: does your code assume a kernel size (k = {k}) or "
                       f"a number of channels?{_check_layer_says(report)}")
    if _relative(bank, expected) < 1e-2:
        raise ex.wrong(f"your bank is close to the right one (relative error "
                       f"{_relative(bank, expected):.2g}), but "
                       f"{_near_miss(bank, expected, tolerance)}")
    blocks = bank.reshape(c_out, 4, c_in, 4, k, k)
    right = expected.reshape(c_out, 4, c_in, 4, k, k)
    folded = ("your kernels are right but the {}; the layout of the folded input is c * 4 + s "
              "(x.reshape(B, C_in * 4, H, W) keeps each channel's four rotations together), "
              "and likewise o * 4 + r for the output")
    named = {   # the usual slips, in their own words; any other order said as the order
        ("o", "s", "c", "r"): "block [o, r, c, s] holds what belongs at [o, s, c, r]: the "
                              "output rotation r is the first of the two (output channel "
                              "o * 4 + r), the input rotation s the second",
        ("r", "o", "s", "c"): folded.format("output and input channels are folded as "
                                            "r * C_out + o and s * C_in + c"),
        ("r", "o", "c", "s"): folded.format("output channels are folded as r * C_out + o"),
        ("o", "r", "s", "c"): folded.format("input channels are folded as s * C_in + c")}
    sizes = {"o": c_out, "r": 4, "c": c_in, "s": 4}
    for order in itertools.permutations("orcs"):    # the right kernels, folded in another order
        unfolded = bank.reshape(tuple(sizes[a] for a in order) + (k, k))
        if order != tuple("orcs") and _close(np.transpose(unfolded, tuple(
                order.index(a) for a in "orcs") + (4, 5)), right):
            raise ex.wrong(named.get(order) or (
                f"your kernels are right, but laid out as ({', '.join(order)}) when the bank "
                f"is reshaped to {want}: the axes must be (o, r, c, s) before the reshape "
                f"(output channel o * 4 + r, input channel c * 4 + s); transpose them first "
                f"(a np.stack along another axis, or a reshape without a transpose, keeps the "
                f"order it built)"))
    found = next((why for why, index, turn in _GROUP_MISTAKES
                  if _close(blocks, _bank_variant(w, index, turn))), None)
    if found is None and _close(blocks, np.asarray(filter_bank(np.flip(w, (-2, -1)), P4)
                                                   ).reshape(blocks.shape)):
        found = _FLIPPED
    if found is None and _close(blocks, np.swapaxes(right, -1, -2)):
        found = ("every kernel of your bank is the right one transposed (its rows and columns "
                 "swapped): a transpose, or an index [j, i] for [i, j]")
    said = f"\n  Diagnosis: {found}." if found is not None else _check_layer_says(report)
    for o, r, c, s in np.ndindex(c_out, 4, c_in, 4):
        block = blocks[o, r, c, s]
        if _close(block, right[o, r, c, s]):
            continue
        holds = "none of the turned kernel planes"
        for j in range(4):
            for q in range(4):
                if _close(block, _turned(w[o, c, j], q)):
                    holds = f"kernel plane {j} turned by {q} quarter turns"
        raise ex.wrong(f"the block for output rotation r = {r} and input rotation s = {s} "
                       f"(o = {o}, c = {c}) holds {holds}, which is not (L_r psi) seen from "
                       f"input rotation s: work out (L_g psi)(s, y) for g = (r, 0) from "
                       f"section 2{said}")
    raise ex.wrong(f"one planar correlation with your bank is not the group correlation"
                   f"{_check_layer_says(report)}")  # pragma: no cover


# ------------------------------------------------------------------ 3.1 a p4 network
def grade_p4_network(small_p4_network: Callable[[], Any]) -> Passed:
    """Exercise 3.1: ``small_p4_network()``, an ``nn.Sequential`` for 28 x 28 grey digits: a p4
    lifting layer (1 -> 6 channels, 3x3), a nonlinearity, a p4 group layer (6 -> 6, 3x3), a
    nonlinearity, pooling over the rotations (H), a mean over space and a linear layer to 10
    classes. The architecture is checked layer by layer, then the logits' invariance to quarter
    turns with ``check_equivariance``.

    Examples
    --------
    >>> from groupconv import nn
    >>> from groupconv.labs import grade
    >>> grade("3.1", lambda: nn.Sequential([nn.GlobalPool("mean", space=None), nn.Linear(1, 10)]))
    Traceback (most recent call last):
    ...
    groupconv.labs.grading.WrongAnswer: Exercise 3.1 (small_p4_network): your network has no p4 layer at all: a G-CNN starts by lifting the image to a function on p4 (a lifting layer)
    """
    from .. import nn

    ex = _Exercise("3.1", "small_p4_network", own_work=False)
    _callable(small_p4_network, ex)
    net = ex.call(small_p4_network, shown="small_p4_network()")
    if type(net) is not nn.Sequential:        # a subclass could compute something else
        subclass = " (a subclass: return nn.Sequential itself)" * isinstance(net, nn.Sequential)
        raise ex.wrong(f"small_p4_network() must return an nn.Sequential of layers, got "
                       f"{type(net).__name__}{subclass}")
    layers = _flat_layers(net)
    made = next((layer for layer in layers if type(layer).__module__.split(".")[0] !=
                 "groupconv"), None)
    if made is not None:
        raise ex.wrong(f"{type(made).__name__} is not one of groupconv.nn's layers (a subclass "
                       f"could compute anything): build the network from nn's layers")
    net = nn.Sequential(layers)
    convs = [i for i, layer in enumerate(layers) if isinstance(layer, nn.BankConv)]
    if not convs:
        raise ex.wrong("your network has no p4 layer at all: a G-CNN starts by lifting the "
                       "image to a function on p4 (a lifting layer)")
    for i in convs:
        if layers[i].bank.group != P4:
            raise ex.wrong(f"layer {i}, {layers[i]!r}, is on {layers[i].bank.group.name}: the "
                           f"exercise asks for a network on p4")
    first = layers[convs[0]]
    if first.bank.kind.reads_group:
        raise ex.wrong(f"the first correlation, layer {convs[0]}, reads functions on p4, but "
                       f"the input is an image: start with a lifting layer")
    if first.c_in != 1:
        raise ex.wrong(f"the lifting layer reads {first.c_in} channels; a grey digit has one")
    if convs[0] > 0:
        raise ex.wrong(f"layer 0, {layers[0]!r}, comes before the lifting layer: the exercise's "
                       f"network starts by lifting the image (seven layers: lifting, ReLU, "
                       f"group layer, ReLU, the projection over the rotations, a global mean "
                       f"over space, linear)")
    if any(not layers[i].bank.kind.reads_group for i in convs[1:]):
        raise ex.wrong("a second lifting layer cannot follow the first: after lifting, the "
                       "layers read functions on p4")
    groups = [i for i in convs[1:] if layers[i].bank.kind.reads_group]
    if not groups:
        raise ex.wrong("your network lifts the image but has no group layer after it (a "
                       "correlation from functions on p4 to functions on p4)")
    sizes = [(layers[i].c_in, layers[i].c_out, layers[i].k) for i in convs]
    if len(convs) != 2:
        raise ex.wrong(f"your network has {len(convs)} correlation layers; the exercise asks "
                       f"for two: one lifting layer and one group layer")
    if sizes[:2] != [(1, 6, 3), (6, 6, 3)]:
        raise ex.wrong(f"the exercise asks for a lifting layer 1 -> 6 channels and a group "
                       f"layer 6 -> 6, both 3x3; yours are {sizes[:2]} as (in, out, k)")
    nonlinear = (nn.ReLU, nn.SiLU)
    pooled = [i for i, layer in enumerate(layers) if isinstance(layer, (nn.SubgroupPool,
                                                                         nn.GlobalPool))]
    for n, i in enumerate(convs):        # (a max over H commutes with a monotone nonlinearity)
        end = convs[n + 1] if n + 1 < len(convs) else \
            min([j for j in pooled if j > i and not (isinstance(layers[j], nn.SubgroupPool) and
                                                    layers[j].reduction == "max")],
                default=len(layers))
        if not any(isinstance(layer, nonlinear) for layer in layers[i + 1:end]):
            where = "before the next correlation" if n + 1 < len(convs) else \
                "before the pooling"
            raise ex.wrong(f"no nonlinearity after layer {i}, {layers[i]!r}, {where}: the "
                           f"exercise asks for one after each correlation (without one, two "
                           f"correlations in a row are a single correlation, and the network "
                           f"is linear up to its pooling)")
    pools = [i for i, layer in enumerate(layers) if isinstance(layer, nn.SubgroupPool)]
    if not pools or pools[0] < convs[-1]:
        raise ex.wrong("your network never pools over the rotations (the subgroup H) after its "
                       "last group layer: without it the logits follow the rotation axis, "
                       "which a turn of the input permutes")
    spatial = [i for i, layer in enumerate(layers) if isinstance(layer, nn.GlobalPool)]
    if not spatial:
        raise ex.wrong("your network has no global pooling over space: the classifier would "
                       "read pixels, which a turn of the input moves")
    last = layers[-1]
    if not isinstance(last, nn.Linear) or last.params["weight"].shape[0] != 10:
        raise ex.wrong(f"the last layer must be a linear layer to 10 classes, got {last!r}")
    after = layers[max(pools[0], spatial[0]) + 1:-1]
    if any(isinstance(layer, (nn.Linear, nn.BankConv)) for layer in after) or \
            sum(isinstance(layer, nn.Linear) for layer in layers) != 1:
        raise ex.wrong(f"after the pooling the exercise asks for one linear layer to 10 "
                       f"classes; yours has {', '.join(repr(layer) for layer in after)} "
                       f"before it")
    if any(isinstance(layer, nn.Linear) for layer in layers[:min(pools[0], spatial[0])]):
        raise ex.wrong("a linear layer comes before the pooling: it mixes the rotations and "
                       "pixels before they are pooled, so the logits are not invariant")
    rng = np.random.default_rng(31)
    x = np.zeros((3, 1, 28, 28), np.float32)   # a zero border wide enough for a one-pixel
    x[:, :, 8:-8, 8:-8] = rng.uniform(0, 1, (3, 1, 12, 12))   # shift through a few layers
    logits = _array(ex.call(net, x, shown="your network on 3 digits (3, 1, 28, 28)"), ex,
                    "your network")
    if logits.shape != (3, 10):
        raise ex.wrong(f"your network maps digits (3, 1, 28, 28) to shape {logits.shape}; "
                       f"expected logits (3, 10)")
    try:
        report = check_equivariance(net, x=x)
    except ValueError as error:          # a network whose spaces do not chain
        raise ex.wrong(f"groupconv cannot check your network's invariance: {error}") from None
    # float32 layers: rounding of about 1e-7 per layer, relative; a broken invariance is O(1)
    if not report.max_error <= 1e-5:
        worst = max(report.errors, key=lambda name: report.errors[name])
        how = ("moves by one pixel" if worst.startswith("translation") else
               f"is transformed by {worst}")
        why = ("something before the global pooling is not equivariant to translations (a "
               "pooling or subsampling with a stride samples a shifted digit at other pixels)"
               if worst.startswith("translation") else
               "something before the pooling is not equivariant to rotations")
        raise ex.wrong(f"the logits change when the digit {how} (error "
                       f"{report.errors[worst]:.2g}): {why}\n  check_equivariance says: "
                       f"{report!r}")
    # the network the exercise asks for, and no other: (a ReLU may follow a max over H, and
    # a Flatten the global pooling, whose (B, C) it leaves as it is: the same function)
    extra = next((layer for i, layer in enumerate(layers) if not isinstance(
        layer, (nn.BankConv, nn.ReLU, nn.SubgroupPool, nn.GlobalPool, nn.Linear)) and not (
            isinstance(layer, nn.Flatten) and i > max(pools[0], spatial[0]))), None)
    if extra is not None:
        raise ex.wrong(f"your network has a {type(extra).__name__} layer; the exercise asks for "
                       f"seven layers: lifting, ReLU, group layer, ReLU, the projection over "
                       f"the rotations, a global mean over space, linear")
    if sum(isinstance(layer, nn.ReLU) for layer in layers) != 2:
        raise ex.wrong(f"your network has {sum(isinstance(layer, nn.ReLU) for layer in layers)} "
                       f"ReLUs; the exercise asks for one after each correlation")
    if len(pools) != 1 or len(spatial) != 1 or pools[0] > spatial[0]:
        raise ex.wrong("the exercise asks for one projection over the rotations and then one "
                       "global mean over space (a max over H of means over space is another "
                       "function)")
    if layers[spatial[0]].kind != "mean":
        raise ex.wrong(f"your global pooling over space takes the {layers[spatial[0]].kind}; the "
                       f"exercise asks for a global mean over space")
    if layers[pools[0]].reduction != "max":
        raise ex.wrong(f"your projection over the rotations takes the "
                       f"{layers[pools[0]].reduction}; the exercise's projection is the max "
                       f"over H, SubgroupPool(\"max\"), as in the paper's networks (a "
                       f"{layers[pools[0]].reduction} is invariant too, but another function)")
    convolution = next((layer for layer in layers if isinstance(layer, nn.BankConv)
                        and layer.bank.kind is Kind.CONVOLUTION), None)
    if convolution is not None:
        raise ex.wrong(f"your group layer {convolution!r} is a G-convolution; the exercise's "
                       f"p4 group layer is the G-correlation, GroupConv's default (kind="
                       f"\"correlation\"), as in the paper: both are equivariant, but they are "
                       f"different layers")
    for i in convs:                     # the same function as the exercise's network
        if layers[i].padding != 0:
            raise ex.wrong(f"layer {i}, {layers[i]!r}, pads its input (mode={layers[i].mode!r}); "
                           f"the exercise's correlations are valid, unpadded (the layers' "
                           f"default): a padded network is equivariant too, but another "
                           f"function of the digit")
        if "bias" not in layers[i].params:
            raise ex.wrong(f"layer {i}, {layers[i]!r}, was built without a bias; the exercise's "
                           f"layers have one bias per output channel (the layers' default)")
    return Passed("3.1", f"lifting layer, group layer, nonlinearities, pooling over H and "
                         f"space, linear to 10; logits invariant to quarter turns (error "
                         f"{report.max_error:.1e})")


def _flat_layers(net: Any) -> list:
    """The layers of a Sequential, those of Sequentials inside it in their place."""
    from .. import nn

    layers = []
    for layer in net.layers:
        layers += _flat_layers(layer) if type(layer) is nn.Sequential else [layer]
    return layers


# ------------------------------------------------------------------ 4.1, 4.2 the lecture groups
def _exact_angles(n: int) -> list[int]:
    """The angles of SE(2)_n that map the square grid onto itself (4.1's reference)."""
    return [a for a in (0, 90, 180, 270) if a * n % 360 == 0]


#: 4.1's answers by mistakes that show only for large n: n held as a float32 or a float64,
#: the products a n in 32-bit or 64-bit integers (wrapped around).
_ANGLE_MISTAKES: types.MappingProxyType[str, Callable[[int], list[int]]] = types.MappingProxyType({
    "float32": lambda n: _exact_angles(int(np.float32(n))),
    "float64": lambda n: _exact_angles(int(float(n))),
    "int32": lambda n: [a for a in (0, 90, 180, 270)
                        if ((a * n + 2**31) % 2**32 - 2**31) % 360 == 0],
    "int64": lambda n: [a for a in (0, 90, 180, 270)
                        if ((a * n + 2**63) % 2**64 - 2**63) % 360 == 0],
})


def grade_exact_angles(exact_angles: Callable[[int], Any]) -> Passed:
    """Exercise 4.1: ``exact_angles(n)``, the angles in [0, 360) degrees at which SE(2)_N can
    be exactly equivariant on a square grid: multiples of 90 that are also multiples of 360/n;
    checked for n = 1..400, 720, 1000, 3600, 4096, 5040, 1,000,001 to 1,000,003, 8,000,004,
    2^24 + 1 to 2^24 + 4, 4,000,000,001 to 4,000,000,004 and 2^53 + 1 to 2^53 + 4, in
    increasing order, each n above 10^7 within ``SECONDS``.

    Examples
    --------
    >>> from groupconv.labs import grade
    >>> grade("4.1", lambda n: [0, 90, 180, 270])
    Traceback (most recent call last):
    ...
    groupconv.labs.grading.WrongAnswer: Exercise 4.1 (exact_angles): exact_angles(1) includes 90, but 90 degrees is not one of SE(2)_1's angles (multiples of 360 / 1 = 360 degrees)
    """
    ex = _Exercise("4.1", "exact_angles", own_work=True)
    _callable(exact_angles, ex)
    # floats go wrong at 76, 78; a tolerance (np.isclose) from about n = 33,000, for n not a
    # multiple of 4; 32-bit integers overflow 270 n from n = 7,953,644 (and an answer that
    # loops over the n steps still takes about a second there); n held as a float32 from
    # 2^24 + 1; math.isclose's 1e-9 from about 10^9; a step's Fraction limited to denominators
    # of 10^6 (limit_denominator) is 0 at 4 10^9; n held as a float64 from 2^53 + 1; 64-bit
    # integers overflow 270 n from n = 34,162,250,019,896,203 (10^18: 90 n, too). Each
    # residue mod 4 in every range, so that each of the four answers is asked for
    large = [m + i for m in (2**24, 4_000_000_000, 2**53, 10**18) for i in range(1, 5)]
    ns = list(range(1, 401)) + [720, 1000, 3600, 4096, 5040, 1_000_001, 1_000_002, 1_000_003,
                                8_000_004] + large
    for n in ns:
        shown = f"exact_angles({n})"
        value = ex.call(exact_angles, n, shown=shown, seconds=SECONDS if n > 10**7 else None,
                        slow=f": decide from n without listing SE(2)_{n}'s {n:,} angles (a "
                             f"loop over the angles, or over k = 0..n - 1, takes time in "
                             f"proportion to n)")
        if isinstance(value, (set, frozenset)):
            raise ex.wrong(f"{shown} returned a set, {_brief(value)}: a set has no order (that it "
                           f"iterates in increasing order is an accident of small integers); "
                           f"return the angles as a list, in increasing order")
        try:
            entries = None if isinstance(value, (str, bytes, dict)) else list(value)
        except TypeError:
            entries = None
        if entries is None or not all(_is_number(a) for a in entries):
            raise ex.wrong(f"{shown} must return a list of angles in degrees (numbers), got "
                           f"{_brief(value)}")
        try:
            got = [float(a) for a in entries]
        except OverflowError:
            raise ex.wrong(f"{shown} returned a number too large for an angle: {_brief(value)}"
                           ) from None
        for a, e in zip(entries, got):
            try:
                exact = _exact(a)
            except (ValueError, OverflowError):      # NaN, inf: the tests below name them
                continue
            if exact != e and exact % 90 and not e % 90:     # float64 hides the rounding
                raise ex.wrong(f"{shown} includes {a!r}, not exactly {e:g}: floating-point "
                               f"arithmetic rounded it; the angles of the grid are exact, so "
                               f"compute them with integers")
        if len(set(got)) != len(got):
            raise ex.wrong(f"{shown} = {_brief(value)} lists an angle twice")
        expected = _exact_angles(n)
        step = f"360 / {n} = {360 / n:g}"
        # a mistake explains the answer where it gives it here and the right one at every
        # n asked before (a coincidence otherwise: 4 10^9 is a float32, and a multiple of 4)
        mistakes = {kind: mistake for kind, mistake in _ANGLE_MISTAKES.items()
                    if got == mistake(n) != expected and
                    all(mistake(m) == _exact_angles(m) for m in ns[:ns.index(n)])}
        for kind, bits in (("float32", 24), ("float64", 53)):
            if kind in mistakes:
                raise ex.wrong(f"{shown} = {_brief(value)} is the answer for n = "
                               f"{int(np.float32(n) if bits == 24 else float(n)):,}, the "
                               f"{kind} nearest to {n:,}: n, or a product or quotient of n, "
                               f"held as a {kind} (exact up to 2^{bits} only) loses its last "
                               f"digits; compute with integers")
        if len(expected) > 1 and len(got) == len(expected):        # other units than degrees
            if np.allclose(got, np.radians(expected)):
                raise ex.wrong(f"{shown} = {_brief(value)} are the right angles in radians: give "
                               f"them in degrees")
            if got == [a // 90 for a in expected]:
                raise ex.wrong(f"{shown} = {_brief(value)} counts quarter turns: give the angles "
                               f"in degrees")
        for a in got:
            if not 0 <= a < 360:
                raise ex.wrong(f"{shown} includes {a:g}: the angles lie in [0, 360) (360 is 0)")
            if a % 90 and abs(a - 90 * round(a / 90)) < 1e-6:
                raise ex.wrong(f"{shown} includes {a!r}, not exactly {90 * round(a / 90)}: "
                               f"floating-point arithmetic rounded it; the angles of the grid "
                               f"are exact, so compute them with integers")
            if a % 90:
                raise ex.wrong(f"{shown} includes {a:g}, which does not map the square pixel "
                               f"grid onto itself (only multiples of 90 degrees do)")
            if a not in expected:
                nearest = fractions.Fraction(round(a * n / 360) * 360, n)
                close = "" if n <= 400 else (
                    f" (its nearest angle, {float(nearest):.6f}, is {float(abs(nearest - a)):.1e}"
                    f" degrees away: a comparison with a tolerance, such as np.isclose, takes it "
                    f"for {a:g}; decide with integers: is {a:g} x {n} a multiple of 360?)")
                raise ex.wrong(f"{shown} includes {a:g}, but {a:g} degrees is not one of "
                               f"SE(2)_{n}'s angles (multiples of {step} degrees){close}"
                               f"{_overflow_says(a, n, mistakes)}")
        if got != sorted(got):
            raise ex.wrong(f"{shown} = {_brief(value)}: the angles go in increasing order")
        for a in expected:
            if a not in got:
                floats = "" if 360 % n == 0 or a == 0 else (
                    f" ({step} is not exact in floating point: an angle computed as k * "
                    f"(360 / {n}), or a test of a / (360 / {n}) or np.linspace's angles "
                    f"against {a}, can miss {a} by rounding; decide with integers: {a} is a "
                    f"whole number of steps exactly when {a} x {n} is a multiple of 360)")
                floats = _overflow_says(a, n, mistakes) or floats
                raise ex.wrong(f"{shown} misses {a}: {a} degrees maps the grid onto itself and "
                               f"is {a * n // 360} step(s) of {step} degrees, one of "
                               f"SE(2)_{n}'s angles{floats}")
    return Passed("4.1", "right for n = 1..400, 720, 1000, 3600, 4096, 5040, 1,000,001 to "
                         "1,000,003, 8,000,004, 2^24 + 1 to 2^24 + 4, 4,000,000,001 to "
                         "4,000,000,004, 2^53 + 1 to 2^53 + 4 and 10^18 + 1 to 10^18 + 4")


def _overflow_says(a: int, n: int, mistakes: dict) -> str:
    """Where 4.1's answer is the one of products a n wrapped around in 32-bit or 64-bit
    integers (``_ANGLE_MISTAKES``), a sentence that says so, else ""."""
    bits = next((b for b in (32, 64) if f"int{b}" in mistakes), None)
    if bits is None:
        return ""
    return (f" ({a} x {n} = {a * n:,} is more than 2^{bits - 1} - 1 = {2**(bits - 1) - 1:,}: a "
            f"product of {bits}-bit integers overflows there (dtype=np.int{bits}"
            f"{', or NumPy integer arrays' if bits == 64 else ''}"
            f"{', or NumPy default integer on Windows before NumPy 2' if bits == 32 else ''}); "
            f"compute with Python ints, which do not overflow)")


def _scene(rng: np.random.Generator, n_scales: int, size: tuple[int, int], count: int
           ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Random responses (scale, H, W) with centres whose fraction is never .5 (but .48 and
    .52 on both sides of it: a rounding threshold other than .5 goes wrong there)."""
    responses = rng.standard_normal((n_scales,) + size)
    centres = []
    for _ in range(count):
        i, j = (int(v) for v in rng.integers(2, np.array(size) - 2))
        di = rng.choice([-0.3, 0.0, 0.2, 0.4, 0.48, -0.52])
        dj = rng.choice([-0.4, 0.0, 0.3, 0.52, -0.48])
        centres.append((float(i + di), float(j + dj)))
    return responses, centres


def _fresh_scene(responses: np.ndarray, centres: list[tuple[float, float]]
                 ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """New responses of the first scene's shape at its centres, drawn afresh (no table of
    seeded draws), whose best scale differs from the first scene's at every centre: an answer
    that keeps responses or answers from one call to the next is wrong at each of them."""
    fresh = np.random.default_rng().standard_normal(responses.shape)
    pixels = {(int(np.floor(r + 0.5)), int(np.floor(c + 0.5))) for r, c in centres}
    for i, j in pixels:     # turning the scales by one moves a unique maximum to a new index
        if np.argmax(fresh[:, i, j]) == np.argmax(responses[:, i, j]):
            fresh[:, i, j] = np.roll(fresh[:, i, j], 1)
    return fresh, list(centres)


def _best(responses: np.ndarray, centres: list[tuple[float, float]]) -> list[set[int]]:
    """For each centre, the scale indices largest at its nearest pixel (at either pixel where
    a coordinate's fraction is .5). Computed after the answer: it holds the answer."""
    options = []
    for centre in centres:
        rows, cols = ([int(np.floor(c + 0.5)), int(np.ceil(c - 0.5))] for c in centre)
        options.append({int(np.argmax(responses[:, i, j])) for i in rows for j in cols})
    return options


def grade_best_scales(best_scales: Callable[[np.ndarray, list], Any],
                      responses: np.ndarray | None = None,
                      centres: list[tuple[float, float]] | None = None) -> Passed:
    """Exercise 4.2: ``best_scales(responses, centres)``, for each centre (row, column) the
    index of the scale whose response is largest at the centre's nearest pixel; checked on
    random scenes and, when given, on the lab's own responses.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv.labs import grade
    >>> grade("4.2", lambda responses, centres: [0, 1, 2])
    Traceback (most recent call last):
    ...
    groupconv.labs.grading.WrongAnswer: Exercise 4.2 (best_scales): best_scales returned 3 answers for 5 centres: one scale index per centre
    """
    ex = _Exercise("4.2", "best_scales", own_work=True)
    _callable(best_scales, ex)
    rng = np.random.default_rng(42)
    scenes = [_scene(rng, n, size, count) for n, size, count in (
        (4, (17, 17), 5), (6, (23, 23), 8), (3, (15, 15), 4), (5, (13, 21), 6), (4, (22, 12), 6))]
    negative, centres_ = _scene(rng, 5, (16, 16), 6)       # every response below zero
    scenes.append((negative - 4.0 - np.abs(negative.max()), centres_))
    scenes.insert(1, _fresh_scene(*scenes[0]))
    if responses is not None and centres is not None:
        responses = _array(responses, ex, "the lab's responses")
        scenes.append((responses, [tuple(map(float, c)) for c in np.reshape(centres, (-1, 2))]))
    for scene, (responses_, centres_) in enumerate(scenes):
        n_scales = responses_.shape[0]
        shown = f"best_scales(responses of shape {responses_.shape}, {len(centres_)} centres)"
        value = ex.call(best_scales, responses_.copy(), list(centres_), shown=shown,
                        names=("responses", "centres"))
        best = _best(responses_, centres_)
        if isinstance(value, (set, frozenset)):
            raise ex.wrong(f"{shown} returned a set, {_brief(value)}: a set has no order and "
                           f"keeps each index once, but the answer is one index per centre, "
                           f"in the centres' order; return a list")
        if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable) or \
                not all(_is_number(v) for v in value):
            raise ex.wrong(f"{shown} must return a list of scale indices (numbers), got "
                           f"{_brief(value)}")
        try:
            got = [float(v) for v in value]
        except OverflowError:
            raise ex.wrong(f"{shown} returned a number too large for a scale index") from None
        if len(got) != len(centres_):
            earlier = any(len(c) == len(got) for _, c in scenes[:scene])
            raise ex.wrong(f"best_scales returned {len(got)} answers for {len(centres_)} "
                           f"centres: one scale index per centre" + (
                               f" ({len(got)} is how many centres an earlier call had: does "
                               f"your code keep centres, pixels or answers from one call to "
                               f"the next?)" if earlier else ""))
        if not all(np.isfinite(got)):
            raise ex.wrong(f"{shown} returned {_brief(value)}: every centre needs a scale index "
                           f"(NaN or infinity is none)")
        if any(v != int(v) for v in got):
            raise ex.wrong(f"{shown} returned {_brief(value)}: a scale index is an integer")
        got = [int(v) for v in got]
        if any(not 0 <= v < n_scales for v in got):
            v = next(v for v in got if not 0 <= v < n_scales)
            powers = [2**i for i in range(n_scales)]
            why = ("a negative index counts from the end of the scale axis: give the index "
                   f"counted from its start, 0..{n_scales - 1}" if v < 0 else
                   "is it the scale s = 2^i, or i + 1, rather than the index i?"
                   if v in powers or v == n_scales else
                   "is it an index into a flattened array (np.argmax without axis= flattens "
                   "what it is given)? take the maximum over the scale axis only")
            raise ex.wrong(f"{shown} returned {v}, but there are only {n_scales} scales, "
                           f"indices 0..{n_scales - 1}: {why}")
        right = [g in b for g, b in zip(got, best)]
        if all(right):
            continue
        n = right.index(False)
        near = [(int(np.floor(r + 0.5)), int(np.floor(c + 0.5))) for r, c in centres_]
        height, width = responses_.shape[1:]
        swapped = all(j < height and i < width for i, j in near)   # (column, row) in range
        stale = ("right on the first scene, but not on new responses of the same shape: "
                 "does your code keep responses, pixels or answers from one call to the "
                 "next, or read a global (the notebook's responses) instead of its argument?")
        # the mistakes an answer can make, most telling first: the fresh twin's answers read
        # from the first scene, then clipping where the wrong centre is below zero everywhere
        first = [int(np.argmax(scenes[0][0][:, i, j])) for i, j in near] if scene == 1 else None
        clipped = responses_[:, near[n][0], near[n][1]].max() < 0
        guesses = {
            stale: first,
            "the responses there are all below zero, and the largest is the one nearest zero: "
            "do you clip them at zero (a ReLU, np.maximum(responses, 0)) or start a running "
            "maximum at 0?":
                [int(np.argmax(np.maximum(responses_[:, i, j], 0))) for i, j in near]
                if clipped else None,
            "a centre is (row, column): index the response by row first":
                [int(np.argmax(responses_[:, j, i])) for i, j in near] if swapped else None,
            "that is where the response is smallest":
                [int(np.argmin(responses_[:, i, j])) for i, j in near],
            "the centre's coordinates are cut to integers, not rounded to the nearest pixel":
                [int(np.argmax(responses_[:, int(r), int(c)])) for r, c in centres_],
        }
        hint = next((why for why, guess in guesses.items() if guess == got), None)
        if hint is None and scene == 1:   # right on the first scene, wrong on its fresh twin
            hint = stale
        hint = hint or "read the responses of all scales at the centre's nearest pixel"
        if height != width and all(s.shape[1] == s.shape[2] for s, _ in scenes[:3]):
            hint += (f"; your answers were right on the square scenes, and this one is {height} "
                     f"x {width}: do you use a height for a width?")
        raise ex.wrong(f"{shown}: for the centre {centres_[n]} you answer scale index "
                       f"{got[n]}, which is not the largest response there ({hint})")
    lab = " and on the lab" if len(scenes) > 7 else ""
    return Passed("4.2", f"right on 7 scenes of random responses (5 square, one below zero "
                         f"everywhere, one drawn afresh){lab}")


# ------------------------------------------------------------------ the table
#: The grader of each exercise, by number (read-only).
EXERCISES = types.MappingProxyType({
    "1.1": grade_c4_matrix, "1.2": grade_p4_law, "1.3": grade_d4_table,
    "2.1": grade_lifting, "2.2": grade_group_correlation, "2.3": grade_p4_bank,
    "3.1": grade_p4_network, "4.1": grade_exact_angles, "4.2": grade_best_scales,
})


def grade(exercise: str, *answer: Any, **data: Any) -> Passed:
    """Grade an exercise of the course labs.

    Parameters
    ----------
    exercise : str
        Its number, "1.1" .. "4.2" (``EXERCISES`` lists them).
    *answer : callable
        The student's function(s), as the exercise names them (1.2 takes the product and the
        inverse).
    **data
        What an exercise may also check (4.2: the lab's ``responses`` and ``centres``).

    Returns
    -------
    Passed
        What was checked.

    Raises
    ------
    WrongAnswer
        The answer is wrong: what, and where to look (never the solution).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv.labs import grade
    >>> grade("4.1", lambda n: [a for a in range(0, 360, 90) if a * n % 360 == 0])
    Exercise 4.1 passed: right for n = 1..400, 720, 1000, 3600, 4096, 5040, 1,000,001 to 1,000,003, 8,000,004, 2^24 + 1 to 2^24 + 4, 4,000,000,001 to 4,000,000,004, 2^53 + 1 to 2^53 + 4 and 10^18 + 1 to 10^18 + 4
    """
    if not isinstance(exercise, str):
        raise TypeError(f"exercise must be a string, one of {', '.join(map(repr, EXERCISES))}, "
                        f"got {type(exercise).__name__} {exercise!r}")
    if exercise not in EXERCISES:
        raise ValueError(f"exercise must be one of {', '.join(map(repr, EXERCISES))}, got "
                         f"{exercise!r}")
    grader = EXERCISES[exercise]
    names = [p.name for p in inspect.signature(grader).parameters.values()
             if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
    if len(answer) != len(names):
        together = len(answer) == 1 and isinstance(answer[0], (tuple, list)) and \
            len(answer[0]) == len(names)
        call = f"grade({exercise!r}, {', '.join(names)})"
        raise TypeError(f"grade: exercise {exercise} takes {counted(len(names), 'function')}, "
                        f"{' and '.join(names)}: {call}" + (
                            ", as separate arguments, not one tuple" if together else
                            f"; got {counted(len(answer), 'argument')}"))
    takes = [p.name for p in inspect.signature(grader).parameters.values()
             if p.default is not p.empty]
    unknown = sorted(set(data) - set(takes))
    if unknown:
        allowed = ", ".join(f"{t}=" for t in takes)
        raise TypeError(f"grade: exercise {exercise} takes "
                        f"{f'the keyword arguments {allowed}' if takes else 'no keyword argument'}"
                        f", got {', '.join(f'{u}=' for u in unknown)}")
    return grader(*answer, **data)
