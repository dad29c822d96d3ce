"""Abstract groups that act on Z^d (or R^d), d = 1, 2, 3, through homogeneous matrices.

A group here is a set of elements named by parameters (``r``, ``m``, ``u``, ``v``, ...) with a
composition law, an inverse and a faithful representation by (d+1) x (d+1) homogeneous matrices

    g  ->  [[A, t], [0, 1]],   g x = A x + t   for x in Z^d (or R^d),

a point's coordinates being its array indices in axis order (in 2D, (u, v) = (row, column)).
Every group law is written once, on parameter arrays of shape (..., n), and used by the two
element types: ``Element`` (one element; immutable, hashable, equal by value) and
``ElementArray`` (many elements; composition, inverse and action broadcast like NumPy). For
lattice groups Z^d x| H the parameters are integers and the arithmetic is exact integer
arithmetic throughout; the sampled groups (SE(2) with N orientations, scales) have real
translations (``param_dtype`` float64).

``AffineGroup`` is the contract every group of a G-CNN follows, lattice or sampled: G = Z^d x| H
(or R^d x| H) whose feature maps are arrays (..., C, S, *spatial) holding f(T(x) h_s) for the
pixels x and S samples h_0 .. h_{S-1} of its point part (``samples``), with the elements at
which an array transforms exactly (``exact_samples``) and those at which the transformation
needs interpolation and equivariance is only measured (``measured_samples``).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..arguments import integer, plain_array, real_array

__all__ = ["Group", "AffineGroup", "Element", "ElementArray", "as_int_array", "exact_inverse",
           "MAX_COORDINATE", "MAX_DIM", "TRANSLATION_NAMES"]

#: Largest |coordinate| of a translation or a point of Z^d. Every law applied to parameters in
#: this range stays far inside int64 (|t1 + h t2| <= 4 * 2^40 for the lattice groups), and a
#: result outside it is refused with a ValueError: the integer arithmetic never wraps.
MAX_COORDINATE = 2**40

#: Groups act on Z^d for d = 1, 2, 3.
MAX_DIM = 3

#: The translation parameters in d dimensions: the coordinates in axis order.
TRANSLATION_NAMES = {1: ("u",), 2: ("u", "v"), 3: ("u", "v", "w")}


def as_int_array(values: Any, what: str) -> np.ndarray:
    """Return ``values`` as an int64 array, refusing anything that is not an integer.

    Floats are refused even when they hold whole numbers: the group laws are exact integer laws.
    Integers that int64 cannot hold (Python ints, uint64) are refused, not wrapped.
    """
    plain_array(values, what)
    try:
        arr = np.asarray(values)
    except (OverflowError, ValueError):
        raise ValueError(f"{what} must be integers that fit in int64, got "
                         f"{_short(values)}") from None
    if arr.dtype == object and arr.size and all(isinstance(v, int) and not isinstance(v, bool)
                                                 for v in arr.ravel()):
        raise ValueError(f"{what} must fit in int64, got {_short(values)}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{what} must be integers, got {arr.dtype} ({_short(values)})")
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{what} must fit in int64, got {arr.max()}")
    return arr.astype(np.int64, copy=False)


def check_coordinates(values: np.ndarray, what: str) -> np.ndarray:
    """``values`` (integers), or a ValueError if some |value| exceeds ``MAX_COORDINATE``."""
    # compared, not np.abs()'d: |-2^63| wraps to -2^63 in int64 and would pass
    outside = (values < -MAX_COORDINATE) | (values > MAX_COORDINATE)
    if values.size and outside.any():
        raise ValueError(f"{what} must lie in -2^40..2^40 (exact integer arithmetic), got "
                         f"{values.ravel()[np.argmax(outside.ravel())]}")
    return values


def exact_inverse(matrices: Any) -> np.ndarray:
    """The inverses of integer matrices (..., d, d) of determinant +-1, exactly: the adjugate
    in Python integers (a float inverse rounds wrongly once entries are large); a ValueError
    where one is not invertible over the integers or its inverse does not fit int64."""
    mats = np.asarray(matrices, dtype=np.int64)
    flat = mats.reshape((-1,) + mats.shape[-2:])
    out = np.empty_like(flat)
    for n, m in enumerate(flat.tolist()):
        det = _det(m)
        if det not in (1, -1):
            raise ValueError(f"{m} has determinant {det}: it has no integer inverse")
        d = len(m)
        adj = [[(-1) ** (i + j) * _det([row[:i] + row[i + 1:] for k, row in enumerate(m)
                                        if k != j]) * det for j in range(d)] for i in range(d)]
        if any(abs(v) > np.iinfo(np.int64).max for row in adj for v in row):
            raise ValueError(f"the inverse of {m} does not fit in int64")
        out[n] = adj
    return out.reshape(mats.shape)


def _det(m: list[list[int]]) -> int:
    """The determinant of a small integer matrix, in Python integers (Laplace expansion; the
    empty matrix's is 1)."""
    if len(m) == 0:
        return 1
    return sum((-1) ** j * m[0][j] * _det([row[:j] + row[j + 1:] for row in m[1:]])
               for j in range(len(m)))


def _finite(value: Any) -> bool:
    """Whether a real number is finite as a float64 (a Python int beyond 1.8e308 is not)."""
    try:
        return bool(np.isfinite(float(value)))
    except OverflowError:
        return False


def _short(values: Any) -> str:
    text = repr(values)
    return text if len(text) <= 60 else text[:57] + "..."


class Group(abc.ABC):
    """A group whose elements are parameter vectors, acting on Z^d (R^d) by matrices.

    Subclasses define ``param_names``, ``dim`` and the law on parameter arrays of shape
    (..., n): ``_compose(a, b)`` (the product a b, "a after b"), ``_inverse(a)``, ``_matrix(a)``
    (..., d+1, d+1) and ``_check_range(params)``. Everything else is derived here.

    Examples
    --------
    >>> from groupconv import P4
    >>> P4.param_names, P4.dim
    (('r', 'u', 'v'), 2)
    >>> g = P4.element(r=1, u=2)
    >>> g * g.inverse() == P4.identity()
    True
    """

    name: str
    param_names: tuple[str, ...]
    #: d: the group acts on points of Z^d (R^d); its matrices are (d+1) x (d+1)
    dim: int
    #: dtype of parameter arrays: exact integers for lattice groups; SE(2) has real translations
    param_dtype: np.dtype = np.dtype(np.int64)
    #: with real parameters (float64): those that must still be whole numbers (an orientation)
    integer_params: tuple[str, ...] = ()

    # ----------------------------------------------------------------- the law
    @abc.abstractmethod
    def _compose(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Parameters of a b (broadcasting over leading axes)."""

    @abc.abstractmethod
    def _inverse(self, a: np.ndarray) -> np.ndarray:
        """Parameters of a^-1."""

    @abc.abstractmethod
    def _matrix(self, a: np.ndarray) -> np.ndarray:
        """Homogeneous matrices of the elements, shape (..., d+1, d+1)."""

    @abc.abstractmethod
    def _check_range(self, params: np.ndarray) -> None:
        """Raise ValueError if some parameter is outside its range."""

    @abc.abstractmethod
    def _key(self) -> tuple:
        """What makes two group objects the same group (for equality and hashing)."""

    def _act(self, a: np.ndarray, points: np.ndarray) -> np.ndarray:
        """g x = A x + t on points (..., d), read off the homogeneous matrix."""
        d = self.dim
        mat = self._matrix(a)
        out = np.einsum("...ij,...j->...i", mat[..., :d, :d], points) + mat[..., :d, d]
        if out.dtype.kind == "i":           # as the law's results: exact, in range
            check_coordinates(out, f"the points g x ({self.name})")
        return out

    # ------------------------------------------------------------ construction
    @property
    def n_params(self) -> int:
        return len(self.param_names)

    def _as_params(self, params: Any, what: str) -> np.ndarray:
        """Parameters as an array of ``param_dtype``, refusing other kinds of numbers."""
        if self.param_dtype.kind == "i":
            return as_int_array(params, what)
        return real_array(params, what).astype(self.param_dtype)

    def _check_scalar(self, key: str, value: Any) -> None:
        """Refuse a keyword parameter of the wrong kind: ints for integer parameters, else
        real numbers."""
        if self.param_dtype.kind == "i" or key in self.integer_params:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{self.name} parameter {key} must be an int, got {value!r}")
            if abs(int(value)) > MAX_COORDINATE:
                raise ValueError(f"{self.name} parameter {key} must lie in -2^40..2^40, "
                                 f"got {value}")
        elif isinstance(value, bool) or not isinstance(value, (int, float, np.integer,
                                                                np.floating)):
            raise TypeError(f"{self.name} parameter {key} must be a real number, got {value!r}")
        elif not _finite(value):
            raise ValueError(f"{self.name} parameter {key} must be finite (a float64), got "
                             f"{_short(value)}")

    def _format(self, key: str, value: Any) -> str:
        """How a parameter value appears in an element's repr."""
        return str(int(value)) if key in self.integer_params else repr(value)

    def _check_names(self, names) -> None:
        unknown = set(names) - set(self.param_names)
        if unknown:
            raise TypeError(f"{self.name} elements take parameters {self.param_names}, "
                            f"got {sorted(unknown)}")

    def validate(self, params: Any) -> np.ndarray:
        """Check a parameter array of shape (..., n_params); return it as ``param_dtype``."""
        arr = self._as_params(params, f"{self.name} parameters {self.param_names}")
        if arr.ndim == 0 or arr.shape[-1] != self.n_params:
            raise ValueError(
                f"{self.name} parameters must have shape (..., {self.n_params}) for "
                f"{self.param_names}, got shape {arr.shape}"
            )
        for j, key in enumerate(self.param_names):
            if key in self.integer_params:
                col = arr[..., j]
                if np.any(col != np.round(col)):
                    raise ValueError(f"{self.name} parameter {key} must be a whole number, "
                                     f"got {col[col != np.round(col)].ravel()[0]}")
        if arr.dtype.kind == "i":
            check_coordinates(arr, f"{self.name} parameters")
        elif arr.size and not np.all(np.isfinite(arr)):
            raise ValueError(f"{self.name} parameters must be finite")
        self._check_range(arr)
        return arr

    def _result(self, params: np.ndarray) -> np.ndarray:
        """The parameters a law produced, checked to stay in range (see ``MAX_COORDINATE``)."""
        if params.dtype.kind == "i":
            check_coordinates(params, f"the result's {self.name} parameters")
        else:
            if params.size and not np.all(np.isfinite(params)):
                raise ValueError(f"the result's {self.name} parameters overflow the "
                                 f"floating-point range (the translations are too large)")
            self._check_range(params)
        return params

    def element(self, **params: int) -> Element:
        """One element by keyword, e.g. ``P4M.element(m=1, r=3, u=2, v=-1)``.

        Parameters
        ----------
        **params : int
            The group's parameters by name (``param_names``); one left out is 0, so
            ``P4.element(u=1, v=2)`` is a pure translation.

        Returns
        -------
        Element
            The element; its matrix is T(u, v) M^m R^r for p4m.

        Examples
        --------
        >>> from groupconv import P4M
        >>> g = P4M.element(m=1, r=3, u=2, v=-1)
        >>> g
        P4M(m=1, r=3, u=2, v=-1)
        >>> g.matrix().tolist()
        [[0, -1, 2], [-1, 0, -1], [0, 0, 1]]
        """
        self._check_names(params)
        for key, value in params.items():
            self._check_scalar(key, value)
        values = self.validate(np.array([params.get(key, 0) for key in self.param_names],
                                        dtype=self.param_dtype))
        return Element(self, values)

    def array(self, params: Any = None, **by_name: Any) -> ElementArray:
        """Many elements at once, broadcasting like NumPy.

        Parameters
        ----------
        params : array_like of int, shape (..., n), optional
            The parameters of each element, in the order of ``param_names``.
        **by_name : array_like of int
            Instead of ``params``: one array per parameter, broadcast against each other (a
            parameter left out is 0).

        Returns
        -------
        ElementArray
            The elements, of shape ``params.shape[:-1]`` (or the broadcast shape).

        Examples
        --------
        >>> import numpy as np
        >>> from groupconv import P4
        >>> rotations = P4.array(r=[0, 1, 2, 3])
        >>> rotations.shape
        (4,)
        >>> rotations.act(np.array([1, 0])).tolist()
        [[1, 0], [0, 1], [-1, 0], [0, -1]]
        """
        if params is not None and by_name:
            raise TypeError("give either a parameter array or parameters by keyword, not both")
        if params is None:
            self._check_names(by_name)
            cols = [self._as_params(by_name.get(k, 0), f"{self.name} parameter {k}")
                    for k in self.param_names]
            try:
                cols = np.broadcast_arrays(*cols) if cols else []
            except ValueError:
                raise ValueError(f"{self.name} parameters by keyword must broadcast against "
                                 f"each other, got shapes "
                                 f"{[np.shape(by_name.get(k, 0)) for k in self.param_names]}"
                                 ) from None
            shape = cols[0].shape if cols else ()
            params = np.stack(cols, axis=-1) if cols else np.zeros(shape + (0,),
                                                                  self.param_dtype)
        return ElementArray(self, self.validate(params))

    def identity(self) -> Element:
        """The neutral element e (all parameters 0).

        Examples
        --------
        >>> from groupconv import P4
        >>> P4.identity()
        P4(r=0, u=0, v=0)
        """
        return Element(self, np.zeros(self.n_params, dtype=self.param_dtype))

    # ----------------------------------------------------------- comparisons
    def __eq__(self, other: object) -> bool:
        return other is self or (isinstance(other, Group) and self._key() == other._key())

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return self.name

    def _check_same(self, other: Element | ElementArray, operation: str) -> None:
        if not isinstance(other, (Element, ElementArray)):
            raise TypeError(
                f"{operation}: expected an element of {self.name}, got {type(other).__name__}"
            )
        if other.group != self:
            raise TypeError(
                f"{operation}: expected an element of {self.name}, "
                f"got an element of {other.group.name}"
            )

    def _params_of(self, g: Element | ElementArray, operation: str) -> np.ndarray:
        """The parameter array of an element or element array of this group."""
        self._check_same(g, operation)
        return g._array() if isinstance(g, Element) else g.params


class AffineGroup(Group):
    """The contract of a G-CNN's group, lattice or sampled: G = Z^d x| H (or R^d x| H), whose
    elements g = T(t) h are a point part h and a translation t, with parameters (point
    parameters..., translation in axis order).

    A feature map on G is an array (..., C, S, *spatial): entry [c, s, x] is f_c(T(x) h_s) for
    the S point samples h_0 .. h_{S-1} (``samples``; |H| for a lattice group, N for SE(2)_N,
    the number of scales for the scale group). Subclasses give:

    - ``samples``, ``point_matrices()`` ((S, d, d): the samples' linear maps, in axis order),
      ``_point_params(s)`` and ``_point_index(params)`` (the samples by index);
    - ``relative(s, t)``: the index of h_s^-1 h_t among the samples, -1 where it is none (a
      truncated axis), which wires group correlations and permutes the point axis under L_h;
    - ``weight_samples``: the length of a group-correlation filter's point axis (S, or fewer);
    - ``exact_samples`` / ``measured_samples``: the samples under which arrays transform
      exactly (a permutation of pixels) or only through interpolation (approximately);
    - ``kernel_size(k)``: the size K of a k-filter transformed by every sample;
    - ``lattice``: the array layout on which the samples act exactly ("line", "square",
      "cubic", "hexagonal"), or None for a sampled group.

    Examples
    --------
    >>> from groupconv import P4M, SE2
    >>> P4M.samples, P4M.lattice, P4M.point_matrices()[1].tolist()
    (8, 'square', [[0, -1], [1, 0]])
    >>> SE2(8).samples, SE2(8).lattice
    (8, None)
    """

    #: the translation parameters: the coordinates in axis order
    @property
    def translation_names(self) -> tuple[str, ...]:
        return TRANSLATION_NAMES[self.dim]

    @property
    @abc.abstractmethod
    def samples(self) -> int:
        """S: the number of point samples, the length of a feature map's point axis."""

    @abc.abstractmethod
    def point_matrices(self) -> np.ndarray:
        """The linear maps of h_0 .. h_{S-1}, shape (S, d, d), read-only."""

    @abc.abstractmethod
    def _point_params(self, s: np.ndarray) -> np.ndarray:
        """Point parameters (..., k) of sample indices s (...)."""

    @abc.abstractmethod
    def _point_index(self, params: np.ndarray) -> np.ndarray:
        """Sample indices (...) of point parameters (..., k)."""

    def relative(self, s: Any, t: Any) -> np.ndarray:
        """The index of h_s^-1 h_t among the samples, or -1 where it is not one (s, t: sample
        indices, ints or int arrays, in 0..samples - 1)."""
        return self._relative(self._sample_indices(s, "s"), self._sample_indices(t, "t"))

    @abc.abstractmethod
    def _relative(self, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``relative`` on checked indices."""

    def _sample_indices(self, values: Any, name: str) -> np.ndarray:
        """Sample indices as int64, or an error naming ``name`` (no wrap-around)."""
        index = as_int_array(values, f"{self.name}: {name} (sample indices)")
        outside = (index < 0) | (index >= self.samples)
        if np.any(outside):
            raise ValueError(f"{self.name}: {name} must be sample indices in "
                             f"0..{self.samples - 1}, got {index[outside].ravel()[0]}")
        return index

    @property
    def weight_samples(self) -> int:
        """J: the length of a group-correlation filter's point axis (``samples`` unless the
        group truncates it)."""
        return self.samples

    @property
    def lattice(self) -> str | None:
        """The array layout on which every sample acts exactly, or None."""
        return None

    def exact_samples(self) -> np.ndarray:
        """Indices of the samples that map the pixel grid onto itself: arrays transform under
        them exactly (every sample, for a lattice group)."""
        return np.arange(self.samples)

    def measured_samples(self) -> np.ndarray:
        """Indices of the samples under which arrays transform only through interpolation, so
        that equivariance is measured, not exact (none, for a lattice group)."""
        exact = set(self.exact_samples().tolist())
        return np.array([s for s in range(self.samples) if s not in exact], dtype=np.int64)

    def kernel_size(self, k: int) -> int:
        """K: the side of the grid that holds a k-filter transformed by every sample."""
        return integer(k, "k", 1)

    # ----------------------------------------------------- named elements
    @property
    def _k(self) -> int:
        return self.n_params - self.dim

    def point_index(self, g: Element | ElementArray) -> np.ndarray:
        """Sample index s of the point part h_s of g = T(t) h_s (an int, or an int array); a
        ValueError where the point part is not one of the samples."""
        index = self._point_index(self._params_of(g, "point_index")[..., :self._k])
        if np.size(index) and (np.min(index) < 0 or np.max(index) >= self.samples):
            raise ValueError(f"point_index: the point part of g is not one of {self.name}'s "
                             f"{self.samples} samples (indices 0..{self.samples - 1})")
        return index

    def translation_of(self, g: Element | ElementArray) -> np.ndarray:
        """Translation t of g = T(t) h, shape (..., d)."""
        return self._params_of(g, "translation_of")[..., self._k:]

    def from_parts(self, point_index: Any, translation: Any) -> ElementArray:
        """Elements T(t) h_s from sample indices s (...) and translations t (..., d)."""
        index = as_int_array(point_index, f"point indices of {self.name}")
        if self.param_dtype.kind == "i":
            t = check_coordinates(as_int_array(translation, f"translations of {self.name}"),
                                  f"translations of {self.name}")
        else:
            t = self._as_params(translation, f"translations of {self.name}")
        if t.ndim == 0 or t.shape[-1] != self.dim:
            raise ValueError(f"translations of {self.name} must have shape (..., {self.dim}), "
                             f"got shape {t.shape}")
        if index.size and (index.min() < 0 or index.max() >= self.samples):
            raise ValueError(f"point indices of {self.name} must be in 0..{self.samples - 1}")
        try:
            shape = np.broadcast_shapes(index.shape, t.shape[:-1])
        except ValueError:
            raise ValueError(f"point indices {index.shape} and translations {t.shape} of "
                             f"{self.name} do not broadcast") from None
        point = self._point_params(np.broadcast_to(index, shape))
        t = np.broadcast_to(t, shape + (self.dim,)).astype(self.param_dtype)
        return ElementArray(self, self.validate(np.concatenate([point, t], axis=-1)))

    def point_elements(self) -> ElementArray:
        """The point samples h_s = T(0) h_s, in index order (the order of the point axis)."""
        return self.from_parts(np.arange(self.samples), np.zeros((1, self.dim), np.int64))


class Element:
    """One group element: immutable, hashable, equal by value. ``a * b`` is "a after b".

    Parameters are attributes by name (``g.r``, ``g.u``); ``g.params`` is the tuple of them.

    Parameters
    ----------
    group : Group
        The group it belongs to.
    params : tuple
        Its parameters, in ``group.param_names``' order (``group.element(**params)`` builds
        one by name and checks them).

    Examples
    --------
    >>> from groupconv import P4, P4M
    >>> g = P4M.element(m=1, r=3, u=2, v=-1)
    >>> h = P4.element(r=1, u=0, v=2)
    >>> P4M.embed(h) * g
    P4M(m=1, r=2, u=1, v=4)
    >>> g.r, g.params
    (3, (1, 3, 2, -1))
    """

    __slots__ = ("group", "params")

    group: Group
    params: tuple

    def __init__(self, group: Group, params: Any):
        object.__setattr__(self, "group", group)
        # Python numbers of the group's kind: ints (lattice groups) or floats (SE(2))
        object.__setattr__(self, "params", tuple(np.asarray(params, group.param_dtype).tolist()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("group elements are immutable")

    def __getattr__(self, name: str) -> int:
        # parameters by name: g.r, g.u, ...
        if name in ("group", "params"):
            raise AttributeError(name)
        try:
            return self.params[self.group.param_names.index(name)]
        except ValueError:
            raise AttributeError(
                f"{self.group.name} elements have parameters {self.group.param_names}, "
                f"not {name!r}"
            ) from None

    def _array(self) -> np.ndarray:
        return np.array(self.params, dtype=self.group.param_dtype)

    def __mul__(self, other: Element | ElementArray) -> Element | ElementArray:
        if isinstance(other, ElementArray):
            return other.__rmul__(self)
        self.group._check_same(other, "composition")
        group = self.group
        with np.errstate(over="ignore", invalid="ignore"):    # _result refuses an overflow
            params = group._compose(self._array(), other._array())
        return Element(group, group._result(params))

    def inverse(self) -> Element:
        """g^-1, with g g^-1 = e.

        Examples
        --------
        >>> from groupconv import P4
        >>> g = P4.element(r=1, u=2, v=0)
        >>> g.inverse()
        P4(r=3, u=0, v=2)
        """
        return Element(self.group, self.group._result(self.group._inverse(self._array())))

    def matrix(self) -> np.ndarray:
        """The (d+1) x (d+1) homogeneous matrix of g (integers for a lattice group).

        Examples
        --------
        >>> from groupconv import P4
        >>> P4.element(r=1, u=2, v=0).matrix().tolist()      # T(2, 0) R
        [[0, -1, 2], [1, 0, 0], [0, 0, 1]]
        """
        return self.group._matrix(self._array())

    def act(self, points: Any) -> np.ndarray:
        """g x = A x + t for points x of shape (..., d): integer points give integer points.

        Parameters
        ----------
        points : array_like, shape (..., d)
            Points in axis order: integers are points of Z^d (and stay integers); floats are
            points of R^d, on which the same affine map acts (a sampled group's translations
            are real).

        Returns
        -------
        numpy.ndarray, shape (..., d)
            The points g x.

        Examples
        --------
        >>> from groupconv import P4
        >>> P4.element(r=1, u=0, v=2).act([1, 0]).tolist()    # R (1, 0) + (0, 2)
        [0, 3]
        >>> from groupconv.groups import Z1M
        >>> Z1M.element(m=1, u=3).act(2).tolist()            # on the line, a number is (u,)
        [1]
        """
        return self.group._act(self._array(), _as_points(points, self.group.dim))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ElementArray):         # elementwise, as the array compares
            return NotImplemented
        return (isinstance(other, Element) and self.group == other.group
                and self.params == other.params)

    def __hash__(self) -> int:
        return hash((self.group, self.params))

    def __reduce__(self) -> tuple:
        """Pickling and copying: the group and the parameters (the element is immutable)."""
        return Element, (self.group, self.params)

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={self.group._format(k, v)}"
                         for k, v in zip(self.group.param_names, self.params))
        return f"{self.group.name}({body})"


class ElementArray:
    """Many elements of one group, stored as a parameter array of shape (*shape, n).

    Composition, inverse, matrices and action broadcast over ``shape`` like NumPy arrays.
    Indexing with an integer tuple gives an ``Element``; anything else an ``ElementArray``.

    Parameters
    ----------
    group : Group
        The group its elements belong to.
    params : numpy.ndarray
        (*shape, n): n parameters per element (``group.array(**params)`` builds one by name).

    Examples
    --------
    >>> from groupconv import P4
    >>> rotations = P4.array(r=[0, 1, 2, 3])
    >>> (rotations * P4.element(r=1, u=0, v=2)).r.tolist()
    [1, 2, 3, 0]
    >>> rotations[1]
    P4(r=1, u=0, v=0)
    """

    __array_priority__ = 100  # so that Element * ElementArray is not taken over by NumPy

    def __init__(self, group: Group, params: np.ndarray):
        params = np.asarray(params, dtype=group.param_dtype)
        params.flags.writeable = False
        self.group = group
        self.params = params

    @property
    def shape(self) -> tuple[int, ...]:
        return self.params.shape[:-1]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d ElementArray")
        return self.shape[0]

    def __getitem__(self, index: Any) -> Element | ElementArray:
        if not isinstance(index, tuple):
            index = (index,)
        wrong = next((i for i in index if isinstance(i, (str, bytes, float, complex,
                                                          np.floating, np.complexfloating))),
                     None)
        if wrong is not None:
            raise TypeError(f"an ElementArray is indexed by ints, slices and integer or "
                            f"boolean arrays, as NumPy's, got {wrong!r}")
        picked = self.params[index + (slice(None),)]
        if picked.ndim == 1:
            return Element(self.group, picked)
        return ElementArray(self.group, picked)

    def __iter__(self) -> Iterator[Element | ElementArray]:
        for i in range(len(self)):
            yield self[i]

    def __getattr__(self, name: str) -> np.ndarray:
        # parameters by name: G.array(...).r is an int array of shape self.shape
        if name in ("group", "params"):
            raise AttributeError(name)
        try:
            return self.params[..., self.group.param_names.index(name)]
        except ValueError:
            raise AttributeError(
                f"{self.group.name} elements have parameters {self.group.param_names}, "
                f"not {name!r}"
            ) from None

    def reshape(self, *shape: int) -> ElementArray:
        if len(shape) == 1 and isinstance(shape[0], tuple):
            shape = shape[0]
        return ElementArray(self.group, self.params.reshape(tuple(shape) + (self.group.n_params,)))

    def ravel(self) -> ElementArray:
        return self.reshape(-1)

    def _broadcast(self, a: np.ndarray, b: np.ndarray) -> None:
        try:
            np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
        except ValueError:
            raise ValueError(f"element arrays of shapes {a.shape[:-1]} and {b.shape[:-1]} do "
                             f"not broadcast") from None

    def __mul__(self, other: Element | ElementArray) -> ElementArray:
        group = self.group
        theirs = group._params_of(other, "composition")
        self._broadcast(self.params, theirs)
        return ElementArray(group, group._result(group._compose(self.params, theirs)))

    def __rmul__(self, other: Element) -> ElementArray:
        group = self.group
        theirs = group._params_of(other, "composition")
        self._broadcast(theirs, self.params)
        return ElementArray(group, group._result(group._compose(theirs, self.params)))

    def inverse(self) -> ElementArray:
        return ElementArray(self.group, self.group._result(self.group._inverse(self.params)))

    def matrix(self) -> np.ndarray:
        """Homogeneous matrices, shape (*shape, d+1, d+1)."""
        return self.group._matrix(self.params)

    def act(self, points: Any) -> np.ndarray:
        """g x for points (..., d), broadcasting ``shape`` against the points' leading axes."""
        points = _as_points(points, self.group.dim)
        try:
            np.broadcast_shapes(self.shape, points.shape[:-1])
        except ValueError:
            raise ValueError(f"elements of shape {self.shape} and points of shape "
                             f"{points.shape} do not broadcast") from None
        return self.group._act(self.params, points)

    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        """Elementwise equality, as a bool array (like NumPy)."""
        if isinstance(other, Element):
            other_params = other._array()
        elif isinstance(other, ElementArray):
            other_params = other.params
        else:
            return NotImplemented
        try:
            shape = np.broadcast_shapes(self.shape, other_params.shape[:-1])
        except ValueError:
            raise ValueError(f"element arrays of shapes {self.shape} and "
                             f"{other_params.shape[:-1]} do not broadcast") from None
        if other.group != self.group:
            return np.zeros(shape, dtype=bool)
        return np.all(self.params == other_params, axis=-1)

    def __ne__(self, other: object) -> np.ndarray:  # type: ignore[override]
        """Elementwise inequality, as a bool array."""
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else ~equal

    __hash__ = None  # type: ignore[assignment]

    def tolist(self) -> list | Element:
        """Nested lists of Elements (of a 0-d array: its Element, as NumPy gives a scalar)."""
        if self.ndim == 0:
            return self[()]
        return [self[i] if self.ndim == 1 else self[i].tolist() for i in range(len(self))]

    def __repr__(self) -> str:
        return (f"ElementArray({self.group.name}, shape={self.shape}, "
                f"params={self.group.param_names})")


def _as_points(points: Any, dim: int) -> np.ndarray:
    arr = real_array(points, f"points (integers on Z^{dim}, floats on R^{dim})")
    if arr.ndim == 0 and dim == 1:      # a point of the line as a number: (u,)
        arr = arr[None]
    if arr.ndim == 0 or arr.shape[-1] != dim:
        raise ValueError(f"points must have shape (..., {dim}), got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.integer):
        return check_coordinates(as_int_array(arr, "points"), "points")
    if arr.size and not np.all(np.isfinite(arr)):
        raise ValueError("points must be finite")
    return arr
