"""check_group_law on hand-written laws: right ones pass (the trivial group included, and groups
in 1D and 3D), wrong ones fail with both the products and the inverses reported, and the usual
mistakes are named."""

import numpy as np
import pytest

import groupconv
from groupconv.groups import get_group


def _law(group_name: str):
    """A correct product and inverse written from the matrices, for any lattice group."""
    group = get_group(group_name)
    stab = group.stabiliser
    d, k = group.dim, stab.n_params

    def split(a):
        return stab.matrices[stab.index(np.array(a[:k]))], np.array(a[k:])

    def join(h, t):
        return tuple(int(v) for v in stab.params_of(stab.index_of_matrix(h))) + \
            tuple(int(v) for v in t)

    def product(a, b):
        (h1, t1), (h2, t2) = split(a), split(b)
        return join(h1 @ h2, t1 + h1 @ t2)

    def inverse(a):
        h, t = split(a)
        hi = np.rint(np.linalg.inv(h)).astype(int)
        return join(hi, -(hi @ t))

    assert d == len(group.param_names) - k
    return product, inverse, split, join


@pytest.mark.parametrize("name", ["p4", "p4m", "P432", "z1", "z2", "p6m"])
def test_a_right_law_passes_in_any_dimension(name):
    product, inverse, *_ = _law(name)
    report = groupconv.check_group_law(product, inverse, name, trials=60)
    assert report.ok and report.passed and not report.diagnoses
    assert report.products >= 60 and report.inverses > 0


def test_the_trivial_group_accepts_a_right_law():
    report = groupconv.check_group_law(lambda a, b: (), lambda a: (), groupconv.C1)
    assert report.passed and report.products == report.inverses == 1
    with pytest.raises(ValueError, match=r"tuple of 0 integers \(the trivial group"):
        groupconv.check_group_law(lambda a, b: (0,), lambda a: (), groupconv.C1)


@pytest.mark.parametrize("mistake, expected", [
    ("b a", "composes in the wrong order"),
    ("t1 + t2", "second translation is not turned"),
    ("t1 + h2 t2", "turned by the second point part"),
    ("t1 + h1^-1 t2", "turned the wrong way"),
    ("h2 h1", "point parts are multiplied in the wrong order"),
])
def test_each_usual_product_mistake_is_named(mistake, expected):
    product, inverse, split, join = _law("p4m")

    def wrong(a, b):
        (h1, t1), (h2, t2) = split(a), split(b)
        inv1 = np.rint(np.linalg.inv(h1)).astype(int)
        return {"b a": lambda: product(b, a), "t1 + t2": lambda: join(h1 @ h2, t1 + t2),
                "t1 + h2 t2": lambda: join(h1 @ h2, t1 + h2 @ t2),
                "t1 + h1^-1 t2": lambda: join(h1 @ h2, t1 + inv1 @ t2),
                "h2 h1": lambda: join(h2 @ h1, t1 + h1 @ t2)}[mistake]()

    report = groupconv.check_group_law(wrong, inverse, "p4m")
    assert not report.ok and report.product_mismatches and not report.inverse_mismatches
    assert any(expected in d for d in report.diagnoses), report.diagnoses
    assert expected in repr(report)


@pytest.mark.parametrize("mistake, expected", [
    ("-t", "translation is not turned"),
    ("-h t", "turned by h instead of h^-1"),
    ("h^-1 t", "is not negated"),
    ("h", "point part is not inverted"),
])
def test_each_usual_inverse_mistake_is_named(mistake, expected):
    product, inverse, split, join = _law("p4m")

    def wrong(a):
        h, t = split(a)
        hi = np.rint(np.linalg.inv(h)).astype(int)
        return {"-t": lambda: join(hi, -t), "-h t": lambda: join(hi, -(h @ t)),
                "h^-1 t": lambda: join(hi, hi @ t), "h": lambda: join(h, -(hi @ t))}[mistake]()

    report = groupconv.check_group_law(product, wrong, "p4m")
    assert not report.ok and report.inverse_mismatches and not report.product_mismatches
    assert any(expected in d for d in report.diagnoses), report.diagnoses


def test_both_product_and_inverse_wrong_are_both_reported():
    """The report shows the wrong products and the wrong inverses, each with its diagnosis,
    however many products are wrong."""
    product, inverse, split, join = _law("p4")
    report = groupconv.check_group_law(lambda a, b: product(b, a),
                                       lambda a: join(split(a)[0].T, -split(a)[1]), "p4")
    text = repr(report)
    assert report.product_mismatches and report.inverse_mismatches
    assert "product(" in text and "inverse(" in text
    assert "wrong order" in text and "translation is not turned" in text
    assert len(report.mismatches) == len(report.product_mismatches) + \
        len(report.inverse_mismatches)


def test_an_unexplained_mistake_says_so():
    product, inverse, *_ = _law("p4")
    report = groupconv.check_group_law(lambda a, b: (0, 0, 0), inverse, "p4")
    assert report.diagnoses == ["the product agrees with none of the usual mistakes: compare "
                                "the values below with the formula"]


@pytest.mark.parametrize("name", ["p4", "p4m", "P432"])
def test_a_law_wrong_only_without_translations_is_caught(name):
    """(A shortcut for elements with no translation: a pure rotation taken as its own inverse,
    or b's point part dropped when there is nothing to turn.) Every pair of point parts is
    also checked with zero translations."""
    product, inverse, split, join = _law(name)

    def shortcut_inverse(a):
        return tuple(a) if not any(split(a)[1]) else inverse(a)

    def shortcut_product(a, b):
        (h1, t1), t2 = split(a), split(b)[1]
        return join(h1, t1) if not any(t1) and not any(t2) else product(a, b)

    report = groupconv.check_group_law(product, shortcut_inverse, name)
    assert not report.ok and report.inverse_mismatches and not report.product_mismatches
    wrong = groupconv.check_group_law(shortcut_product, inverse, name)
    assert not wrong.ok and wrong.product_mismatches and not wrong.inverse_mismatches


def test_an_exception_in_the_law_is_reported_with_its_arguments():
    """(A law that raises on some elements: a traceback from inside the checker said nothing
    of which element.) The call that raised is a disagreement, listed with its arguments."""
    product, inverse, *_ = _law("p4")

    def fragile(a, b):
        if a[1] == 0 and b[1] == 0:
            raise IndexError("no translation")
        return product(a, b)

    report = groupconv.check_group_law(fragile, inverse, "p4")
    assert not report.ok and not report.inverse_mismatches
    assert all(m.startswith("product((") and "raised IndexError: no translation" in m
               for m in report.product_mismatches)
    assert any("product raised an exception on" in d for d in report.diagnoses)
    raising_inverse = groupconv.check_group_law(lambda a, b: ((a[0] + b[0]) % 4,),
                                                lambda a: 1 // 0, groupconv.C4)
    assert len(raising_inverse.inverse_mismatches) == 4
    assert not raising_inverse.product_mismatches
    assert "raised ZeroDivisionError" in repr(raising_inverse)


@pytest.mark.parametrize("name", ["p2", "pm", "p4", "P432"])
def test_a_law_that_wraps_far_from_the_origin_is_caught(name):
    """Translations in 16-bit integers, on the branch where b's point part is not the identity
    only: right within [-2^15, 2^15), wrapped beyond (from a review: every translation was
    drawn from [-9, 9], and a wrap at 32 passed; then far draws fell on some pairs of point
    parts only, and a p2 law that wrapped on its turned branch passed)."""
    product, inverse, *_ = _law(name)
    k = get_group(name).stabiliser.n_params

    def wrapped(a, b):
        c = product(a, b)
        if not any(b[:k]):
            return c
        return c[:k] + tuple((v + 2**15) % 2**16 - 2**15 for v in c[k:])

    assert groupconv.check_group_law(product, inverse, name).ok
    report = groupconv.check_group_law(wrapped, inverse, name)
    assert not report.ok and report.product_mismatches
