"""The checks check themselves: every known-wrong variant of the library is caught by some
claim (``groupconv verify --self-test``), every claim can fail, a row passes only if every
trial passes, and the trials draw what they claim to draw."""

import contextlib
import json

import numpy as np
import pytest

from groupconv import P4, P4M, Z2, cli, nn
from groupconv.checks import claims, selftest, verify
from groupconv.feature_maps import FeatureMap, relative_error


@pytest.fixture(scope="module")
def self_test_results():
    # each variant against the claims that must catch it (what the test asserts): a third of
    # the full run's time, which every other claim adds (groupconv verify --self-test runs it)
    return selftest.run(must_only=True)


@pytest.mark.slow
def test_every_known_wrong_variant_is_caught(self_test_results):
    missed = [r["variant"] for r in self_test_results if not r["caught_by"]]
    assert len(self_test_results) == len(selftest.VARIANTS) >= 17
    assert not missed, missed
    # and by every claim that must catch it (a claim weakened until it cannot fail shows here)
    assert all(selftest.passed(r) for r in self_test_results), \
        {r["variant"]: r["missed_by"] for r in self_test_results if r["missed_by"]}


def test_the_self_test_names_a_claim_that_must_catch_a_variant_and_does_not(monkeypatch):
    """The self-test's own verdict (from a mutation round: missed_by left empty passed every
    test): a variant caught by one claim but missed by another it names as a must is not
    passed, and the miss is named; caught by both, it passes."""
    def rows(failing):
        return [verify.Row(name, "", "P4", 1, 1.0 if name in failing else 0.0,
                           name not in failing, "numeric") for name in ("a", "b")]

    calls = iter([rows(()), rows(("a",)), rows(("a", "b"))])
    monkeypatch.setattr(verify, "run", lambda **options: next(calls))
    monkeypatch.setattr(selftest, "VARIANTS", (
        selftest.Variant("half caught", contextlib.nullcontext, ("a", "b")),
        selftest.Variant("caught by both", contextlib.nullcontext, ("a", "b"))))
    half, both = selftest.run()
    assert half["caught_by"] == ["a[P4]"] and half["missed_by"] == ["b"]
    assert not selftest.passed(half) and selftest.passed(both)


def test_a_claim_that_only_raised_does_not_catch_a_variant_it_must(monkeypatch):
    """A must claim catches its variant by a comparison: a trial that raised (a shape the
    variant broke) shows that the claim runs the code, not that it sees a wrong value (from a
    review: the wrong adjoint padding was 'caught' by three claims, every row by an
    exception)."""
    def rows(raised):
        return [verify.Row("a", "", "P4", 1, float("nan") if raised else 0.0, not raised,
                           "numeric", raised=raised)]

    calls = iter([rows(False), rows(True)])
    monkeypatch.setattr(verify, "run", lambda **options: next(calls))
    monkeypatch.setattr(selftest, "VARIANTS", (
        selftest.Variant("crashes the claim", contextlib.nullcontext, ("a",)),))
    (result,) = selftest.run()
    assert result["caught_by"] == result["raised"] == ["a[P4]"]
    assert result["missed_by"] == ["a"] and not selftest.passed(result)
    assert "which must catch it by a comparison (rows that raised: a[P4])" in \
        selftest.format_table([result], 1.0)


def test_verify_marks_the_rows_whose_trials_raised(monkeypatch):
    def broken(group, rng):
        raise ValueError("a shape")
    planted = claims.Claim("planted", "x = y", claims.every_group, broken)
    monkeypatch.setattr("groupconv.checks.verify.CLAIMS", (planted,))
    (row,) = verify.run(trials=1, symbolic_proofs=False, groups=["p4"])
    assert row.raised and not row.passed and "ValueError: a shape" in row.note


def test_a_layer_report_with_a_reference_error_above_its_tolerance_fails():
    """Even without a diagnosis (from a mutation round: passed read the diagnosis and the
    equivariance only, and every test passed, since a diagnosis always came with the error)."""
    from groupconv.checks.user_layers import LayerReport

    assert LayerReport("P4", "lifting", 0.0, 0.0, None).passed
    assert not LayerReport("P4", "lifting", 1e-3, 0.0, None).passed


def test_an_exact_claim_fails_a_difference_far_above_rounding(monkeypatch):
    """Exact claims allow float64 rounding of short sums, not a relative difference of 1e-10
    (from a mutation review: a tolerance widened to 1e-9 passed every test)."""
    for error, passes in ((1e-14, True), (1e-10, False)):
        planted = claims.Claim("planted", "x = y", claims.every_group,
                               lambda group, rng, error=error: error)
        monkeypatch.setattr("groupconv.checks.verify.CLAIMS", (planted,))
        rows = verify.run(trials=1, symbolic_proofs=False, groups=["p4"])
        assert [r.passed for r in rows] == [passes], error


@pytest.mark.slow
def test_the_library_is_itself_again_after_the_self_test(self_test_results):
    rows = verify.run(trials=1, symbolic_proofs=False, groups=["p4m"])
    assert all(r.passed for r in rows), [r.claim for r in rows if not r.passed]


@pytest.mark.slow
def test_the_numeric_claims_that_catch_a_variant(self_test_results):
    """Claims that the variants exercise: each of them fails on some known-wrong library; the
    variants of the sampled groups are caught on those groups (the fixture runs each variant
    against the claims that must catch it: the claims named here are in those)."""
    caught = {name.split("[")[0] for r in self_test_results for name in r["caught_by"]}
    by_variant = {r["variant"]: " ".join(r["caught_by"]) for r in self_test_results}
    assert "fast_equals_literal[SE2(8)]" in by_variant["SE(2) literal sum reading R(+theta)"]
    assert "[SE2(8)]" in by_variant["SE(2) bank turned by -theta"]
    # (a mutation review: a bound of 5 for the measured claim let O(1) errors pass)
    for variant in ("SE(2) bank turned by -theta",
                    "SE(2) kernels not turned at the interpolated angles"):
        assert "measured_equivariance[SE2(8)]" in by_variant[variant], by_variant[variant]
    assert "fast_equals_literal[Scale(2" in by_variant["scaled kernel truncated"]
    assert by_variant["SE(2) inverse that does not turn back"] == \
        "sampled_group_laws[SE2(8)] symbolic_sampled_law[SE2(8)]"
    assert "symbolic_point_law[SE2(8)]" in by_variant["SE(2) point parts composed as r1 - r2"]
    assert "matrix_rounding[SE2(8)]" in by_variant["SE(2) matrices stored as R(-theta)"]
    assert "finite_difference_gradient[SE2(8)]" in \
        by_variant["operator bank adjoint with the wrong operators"]
    # the variants of the lattice law and layers are caught on the group of the cube too
    for variant in ("rotation of the wrong sense (R^T for R)", "transposed Cayley table",
                    "wrong inverse (every h its own inverse)", "swapped semidirect law (t2 + h2 t1)",
                    "L_g f = f o g", "psi(g h) for psi(g^-1 h)",
                    "kernel rotated the other way in the bank", "flipped engine tap"):
        assert "[P422]" in by_variant[variant], variant
    # ... and on the line's mirror group, those that can act there (it has no rotation, and
    # its point group is abelian with every element its own inverse)
    for variant in ("swapped semidirect law (t2 + h2 t1)", "L_g f = f o g",
                    "psi(g h) for psi(g^-1 h)", "flipped engine tap",
                    "L_g on G moving the pixels only", "wrong 'same' padding",
                    "adjoint with its taps not reversed", "dropped channel sum"):
        assert "[Z1m]" in by_variant[variant], variant
    for name in ("group_axioms", "inverse_of_product", "L_homomorphism", "L_translation",
                 "substitution", "two_forms_agree", "lifting_equivariance",
                 "group_correlation_equivariance", "group_convolution_equivariance",
                 "convolution_value", "rotation_convention", "documented_elements",
                 "mode_sizes", "fast_equals_literal",
                 "array_equivariance", "input_gradient_is_convolution", "adjoint_identity",
                 "finite_difference_gradient", "se2_n4_is_p4", "scale_dilation",
                 "sampled_group_laws",
                 "symbolic_closure", "symbolic_associativity", "symbolic_inverses",
                 "symbolic_inverse_of_product", "symbolic_matrix_formula",
                 "symbolic_closed_form_law"):
        assert name in caught, name


def test_the_claims_no_variant_reaches_fail_on_their_own_wrong_library(monkeypatch):
    """L_identity, nonlinearity_equivariance, planar_translation_equivariance and
    cropped_correlation_breaks, each against a wrong piece of its own."""
    rng = np.random.default_rng(3)
    f = claims.random_feature_map(Z2, rng)
    psi = [claims.random_feature_map(Z2, rng, f.channels, max_size=3, centred=True)]
    t = Z2.element(u=1, v=-2)
    right_l, right_pointwise = claims.L, claims.pointwise
    assert claims.L_identity(f) == 0
    monkeypatch.setattr(claims, "L", lambda g, fm: right_l(Z2.element(u=1) * g, fm))
    assert claims.L_identity(f) > 0.1                          # L_e that moves the map
    monkeypatch.setattr(claims, "L", right_l)
    assert claims.nonlinearity_equivariance(t, f) <= claims.TOLERANCE

    def not_pointwise(nu, fm):                                 # nu, then a flip: not pointwise
        out = right_pointwise(nu, fm)
        return FeatureMap(fm.group, out.values[..., ::-1, :], origin=out.origin)
    monkeypatch.setattr(claims, "pointwise", not_pointwise)
    assert claims.nonlinearity_equivariance(P4M.element(r=1), claims.random_feature_map(
        P4M, rng)) > 0.1
    monkeypatch.setattr(claims, "pointwise", right_pointwise)
    right_planar = claims.planar_correlation
    assert claims.planar_translation_equivariance(t, f, psi) <= claims.TOLERANCE
    monkeypatch.setattr(claims, "planar_correlation",          # forgets where the origin is
                        lambda fm, ps: FeatureMap(Z2, right_planar(fm, ps).values))
    assert claims.planar_translation_equivariance(t, f, psi) > 0.1
    monkeypatch.setattr(claims, "planar_correlation", right_planar)
    cropped = next(c for c in claims.CLAIMS if c.name == "cropped_correlation_breaks")
    assert cropped.passes(cropped.trial(Z2, np.random.default_rng(0)))
    monkeypatch.setattr(claims, "restrict", lambda fm, box: fm)    # a crop that keeps all
    assert not cropped.passes(cropped.trial(Z2, np.random.default_rng(0)))


def test_self_test_cli_json_and_exit_codes(monkeypatch, capsys):
    """The command prints {"variants": [...]} and exits 1 when a variant goes uncaught."""
    import contextlib

    caught = selftest.Variant("wrong inverse", selftest._wrong_inverse)
    survivor = selftest.Variant("a variant that changes nothing", contextlib.nullcontext)
    monkeypatch.setattr(selftest, "VARIANTS", (caught,))
    monkeypatch.setattr(selftest, "GROUPS", ("p4",))    # (the command, not the groups, tested)
    assert cli.main(["verify", "--self-test", "--json"]) == 0
    out = capsys.readouterr()
    report = json.loads(out.out)       # (the progress lines on stderr: a review found --json
    assert "wrong inverse" in out.err  # printing nothing for minutes)
    assert report["variants"][0]["variant"] == "wrong inverse"
    assert "inverses[P4]" in " ".join(report["variants"][0]["caught_by"]) or \
        report["variants"][0]["caught_by"]
    monkeypatch.setattr(selftest, "VARIANTS", (survivor,))
    assert cli.main(["verify", "--self-test"]) == 1
    assert "NOTHING: the checks missed it" in capsys.readouterr().out


# ---------------------------------------------------------- every claim can fail
def _map(group, values, origin=(0, 0)):
    return FeatureMap(group, values, origin=origin)


def test_claims_fail_on_known_wrong_inputs():
    rng = np.random.default_rng(0)
    f = claims.random_feature_map(P4, rng)
    psi = [claims.random_feature_map(P4, rng, f.channels, max_size=3, centred=True)]
    other = [claims.random_feature_map(P4, rng, f.channels, max_size=3, centred=True)]
    g = P4.element(r=1, u=1, v=2)
    # relative_error sees the union of the supports, not only the first map's box
    a = _map(Z2, np.ones((1, 2, 2)))
    b = _map(Z2, np.ones((1, 2, 2)), origin=(-5, -5))
    assert relative_error(a, b) == 1.0
    # the exact claims, fed two sides that differ
    assert claims.L_identity(_map(P4, np.ones((1, 4, 2, 2)), origin=(1, 0))) == 0
    assert relative_error(claims.L(g, f), f) > 0.1          # L_g is not the identity
    assert relative_error(claims.group_correlation(f, psi),
                          claims.group_correlation(f, other)) > 0.1
    # the array claims on a wrong pair of inputs: a kind mismatch between fast and literal
    x = rng.standard_normal((1, 1, 4, 5, 5))
    w = rng.standard_normal((1, 1, 4, 3, 3))
    fast = claims.correlation_array(x, w, P4)
    slow = claims.convolution_array(x, w, P4, method="literal")
    assert np.abs(fast - slow).max() > 0.1
    # the rotation convention fails when L turns the other way (L_g f = f o g)
    img = rng.standard_normal((1, 3, 3))
    assert claims.rotation_convention(P4M, img) == 0
    right_l = claims.L
    try:
        claims.L = lambda g, fm: right_l(g.inverse(), fm)
        assert claims.rotation_convention(P4M, img) > 0.1
    finally:
        claims.L = right_l


def test_a_row_passes_only_if_every_trial_passes(monkeypatch):
    errors = iter([0.0, 1.0, 0.0])
    flaky = claims.Claim("flaky", "0 = 0 mostly", claims.every_group,
                         lambda group, rng: next(errors))
    monkeypatch.setattr(verify, "CLAIMS", (flaky,))
    (row,) = verify.run(trials=3, symbolic_proofs=False, groups=["p4"])
    assert not row.passed and row.worst == 1.0


def test_a_trial_that_raises_fails_its_row(monkeypatch):
    def broken(group, rng):
        raise IndexError("deep inside")

    monkeypatch.setattr(verify, "CLAIMS", (claims.Claim("broken", "-", claims.every_group,
                                                        broken),))
    (row,) = verify.run(trials=1, symbolic_proofs=False, groups=["p4"])
    assert not row.passed and "IndexError" in row.note


def test_equivariance_trials_draw_rotations_and_mirrors():
    rng = np.random.default_rng(0)
    drawn = {P4M.point_index(claims.random_element(P4M, rng, "general")) for _ in range(200)}
    assert drawn == set(range(8))
    points = [claims.random_element(P4M, rng, "point") for _ in range(50)]
    assert all(not any(P4M.translation_of(p)) for p in points)
    assert claims._kinds(P4) == ("translation", "point", "general")


def test_the_differing_claim_says_what_was_shown():
    rows = verify.run(trials=1, symbolic_proofs=False, groups=["z2"],
                      only="cropped_correlation_breaks")
    table = verify.format_table(rows, 0.0, 0)
    assert "pass: differs" in table and rows[0].worst > 1e-3


def test_a_differing_claim_shows_its_smallest_difference(monkeypatch):
    """The column is the worst case: for a claim that two sides differ, the smallest
    difference (the trial closest to failing), not the largest."""
    differences = iter([0.5, 0.01, 0.2])
    apart = claims.Claim("apart", "f != g", claims.every_group,
                         lambda group, rng: next(differences), expect_equal=False)
    monkeypatch.setattr(verify, "CLAIMS", (apart,))
    (row,) = verify.run(trials=3, symbolic_proofs=False, groups=["p4"])
    assert row.passed and row.worst == 0.01
    table = verify.format_table([row], 0.0, 0)
    assert "worst" in table.splitlines()[0] and "1.0e-02" in table
    assert "smallest difference" in table.splitlines()[-1]


def test_the_table_prints_every_equation_whole():
    """An equation longer than its column goes on under it, cut at spaces only."""
    long = " ".join(f"term_{i} +" for i in range(12)) + " end"
    rows = [verify.Row("long_claim", long, "P4", 1, 0.0, True, "numeric"),
            verify.Row("short_claim", "a = a", "P4", 1, 0.0, True, "numeric")]
    lines = verify.format_table(rows, 0.0, 0).splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("long_claim"))
    column = lines[0].index("equation")
    parts = [lines[first][column:column + verify._EQUATION_WIDTH].rstrip()]
    i = first + 1
    while not lines[i].startswith("short_claim"):
        assert lines[i][:column].strip() == ""       # continuation lines: the equation only
        parts.append(lines[i][column:].rstrip())
        i += 1
    assert len(parts) > 1 and " ".join(parts) == long
    assert "..." not in "\n".join(lines)


# ---------------------------------------------------------- untested branches, by hand
def test_batchnorm_running_statistics_follow_the_published_update():
    layer = nn.BatchNorm(2, momentum=0.1, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((3, 2, 4, 5, 5))
    layer.forward(x, training=True)
    per_channel = np.moveaxis(x, 1, 0).reshape(2, -1)
    n = per_channel.shape[1]
    mean = per_channel.mean(axis=1)
    var_unbiased = per_channel.var(axis=1) * n / (n - 1)
    assert np.allclose(layer.running_mean, 0.9 * 0.0 + 0.1 * mean, rtol=1e-12)
    assert np.allclose(layer.running_var, 0.9 * 1.0 + 0.1 * var_unbiased, rtol=1e-12)
    y, _ = layer.forward(x, training=False)                   # evaluation: running statistics
    expected = (x - layer.running_mean[None, :, None, None, None]) / np.sqrt(
        layer.running_var[None, :, None, None, None] + layer.eps)
    assert np.allclose(y, expected, rtol=1e-12)


def test_adam_first_steps_follow_the_published_update():
    params = {"p": np.array([1.0, -2.0])}
    opt = nn.Adam(params, lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    grads = [np.array([0.5, -1.0]), np.array([-0.25, 2.0])]
    m = v = np.zeros(2)
    expected = np.array([1.0, -2.0])
    for t, g in enumerate(grads, start=1):
        opt.step({"p": g})
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expected = expected - 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        assert np.allclose(params["p"], expected, rtol=1e-14)
    # the first step moves every parameter by lr, whatever the gradient's scale
    params = {"q": np.array([0.0])}
    nn.Adam(params, lr=0.1).step({"q": np.array([1e-3])})
    assert np.isclose(params["q"][0], -0.1, rtol=1e-4)     # lr g / (|g| + eps)


def test_sgd_momentum_follows_the_published_update():
    params = {"p": np.array([1.0])}
    opt = nn.SGD(params, lr=0.1, momentum=0.9)
    opt.step({"p": np.array([1.0])})
    opt.step({"p": np.array([1.0])})
    assert np.isclose(params["p"][0], 1.0 - 0.1 * 1.0 - 0.1 * (0.9 * 1.0 + 1.0))


def test_the_documented_elements_catch_a_group_that_is_not_the_documented_one(monkeypatch):
    """Every law check builds its tables from the group's own matrices, so a consistent group
    of the wrong matrices passes them all: a quarter turn the wrong way (P432), the inversion
    missing (Pm-3m: O instead), two elements in another order (p6m), the hexagon's outer ring
    dropped. The documented elements, written out apart from the groups' code, catch each."""
    from groupconv.groups import get_group, SemidirectProduct
    real = SemidirectProduct.point_matrices
    changes = {
        "P432": lambda m: [mi.T if i == 1 else mi for i, mi in enumerate(m)],
        "Pm-3m": lambda m: m[:24],
        "P6M": lambda m: list(m[:6]) + [m[7], m[6]] + list(m[8:]),
        "P4/mmm": lambda m: list(m[:4]) + [m[8]] + list(m[5:]),
    }
    for name, change in changes.items():
        group = get_group(name)
        assert claims.documented_elements(group) == 0.0
        monkeypatch.setattr(SemidirectProduct, "point_matrices",
                            lambda self, g=group, c=change: c(real(self)) if self is g
                            else real(self))
        assert claims.documented_elements(group) > 0, name
        monkeypatch.setattr(SemidirectProduct, "point_matrices", real)
    p6, mask = get_group("p6"), claims.domain_mask

    def shrunk(group, shape):                  # the hexagon one ring smaller, in the same array
        return np.pad(mask(group, (shape[0] - 2,) * 2), 1) if shape[0] > 1 else \
            mask(group, shape)

    assert claims.documented_elements(p6) == 0.0
    monkeypatch.setattr(claims, "domain_mask", shrunk)
    assert claims.documented_elements(p6) > 0


def test_an_array_trial_with_only_zeros_shows_nothing_and_fails():
    """A layer whose output is zero (a hexagon of no cells, a vanishing filter) passes every
    comparison with another zero: such a trial fails instead."""
    x, w = np.ones((1, 1, 5, 5)), np.zeros((1, 1, 3, 3))
    assert claims.fast_equals_literal(P4, x, w, claims.Kind.LIFTING, "valid") == np.inf
    assert claims.array_equivariance(P4, x, w, claims.Kind.LIFTING, "same") == np.inf


def test_fast_equals_literal_sees_the_engines_chunks(monkeypatch):
    """Six images in one call and slabs of one row: a wrong permutation of more than four
    images, or padding left from a previous slab, shows (the literal sums see one image)."""
    from groupconv.fast import engine
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 7, 6)), rng.standard_normal((2, 2, 3, 3))
    assert claims.fast_equals_literal(P4, x, w, claims.Kind.LIFTING, "same") < 1e-12
    chunks = engine._stacked_chunks

    def stale_stacked(xp, ws, x, k, p, *args):      # later chunks: a stale first position
        for i, (b0, nb, cols) in enumerate(chunks(xp, ws, x, k, p, *args)):
            if i:
                cols[:, :, :1] = 1.0
            yield b0, nb, cols

    monkeypatch.setattr(engine, "STACKED_TARGET_COLUMNS", 1)      # one image per chunk
    monkeypatch.setattr(engine, "_stacked_chunks", stale_stacked)
    assert engine._strategy(np.zeros((6, 2, 7, 6)), 8, 3, 1, 2**28) == "stacked"
    assert claims.fast_equals_literal(P4, x, w, claims.Kind.LIFTING, "same") > 1e-3
    monkeypatch.setattr(engine, "_stacked_chunks", chunks)
    monkeypatch.setattr(engine, "_STACKED_MAX_K", 0)      # the images-innermost chunks next
    right = engine._put_images_last

    def transposed(xp, dst, src):             # the spatial axes swapped beyond four images
        if src.shape[0] <= engine._FILL_PER_IMAGE:
            return right(xp, dst, src)
        dst[...] = np.swapaxes(np.moveaxis(src, 0, -1), 1, 2).reshape(dst.shape)

    monkeypatch.setattr(engine, "_put_images_last", transposed)
    assert claims.fast_equals_literal(P4, x, w, claims.Kind.LIFTING, "same") > 1e-3
    monkeypatch.setattr(engine, "_put_images_last", right)
    blocks = engine._blocks

    def stale(xp, ws, x, k, p, *args, **kwargs):   # later slabs keep the first's zero padding
        for i, chunk in enumerate(blocks(xp, ws, x, k, p, *args, **kwargs)):
            if i:
                chunk[-1][:, :1] = 1.0
            yield chunk

    monkeypatch.setattr(engine, "_blocks", stale)
    assert claims.fast_equals_literal(P4, x, w, claims.Kind.LIFTING, "same") > 1e-3


def test_the_self_test_first_runs_the_library_as_it_is(monkeypatch):
    """A claim that fails on the library as it is would seem to catch every variant."""
    broken = claims.Claim("broken", "1 = 2", claims.every_group, lambda group, rng: 1.0)
    monkeypatch.setattr("groupconv.checks.verify.CLAIMS", (broken,))
    with pytest.raises(ValueError, match=r"the library as it is fails broken\[P422\]"):
        selftest.run()
    assert cli.main(["verify", "--self-test"]) == 1


def test_an_equivariance_report_reports_its_largest_error():
    """The largest error, not the smallest: a map that is not equivariant under most
    elements has a large max_error."""
    from groupconv.checks.equivariance import equivariance_errors
    from groupconv.groups import Space
    rng = np.random.default_rng(1)
    mask = rng.random((9, 9)) > 0.5
    plane = Space.on_plane(P4)
    report = equivariance_errors(lambda x: x * mask, rng.standard_normal((1, 1, 9, 9)), plane,
                                 plane, measured=False, translations=False)
    assert report.max_error > 0.5 and report.max_error == max(report.errors.values())


def test_the_literal_planar_convolution_is_a_convolution():
    """(delta_0 ∗ psi) = psi, and (delta_0 * psi)(x) = psi(-x): each by its definition."""
    from groupconv.groups import TRANSLATIONS
    from groupconv.literal import planar_convolution, planar_correlation
    psi = FeatureMap(TRANSLATIONS[2], np.arange(1.0, 10.0).reshape(1, 3, 3), origin=(-1, -1))
    delta = FeatureMap(TRANSLATIONS[2], np.ones((1, 1, 1)), origin=(0, 0))
    conv, corr = planar_convolution(delta, [psi]), planar_correlation(delta, [psi])
    for u in range(-1, 2):
        for v in range(-1, 2):
            point = np.array([[u, v]])
            assert conv(point)[0] == psi(point)[0]
            assert corr(point)[0] == psi(-point)[0]


@pytest.mark.parametrize("seed", range(3))
def test_the_interpolated_transform_claim_holds_on_many_draws(seed):
    """Every sample (the exact quarter turns too, which swap a non-square array's axes) on
    many drawn images: the claim compares the library's L_h with the bilinear formula only
    where both are defined on the same grid (a full verify run once drew a quarter turn of a
    10 x 8 image and failed)."""
    rows = verify.run(only="interpolated_transform", seed=seed, trials=12)
    assert rows and all(r.passed for r in rows), [(r.group, r.note) for r in rows]


@pytest.mark.parametrize("claim", ["filter_bank_layout", "layer_formulas"])
@pytest.mark.parametrize("seed", range(2))
def test_the_bank_layout_and_the_formulas_hold_on_many_draws(claim, seed):
    """The claims of a review's mutation round (a GrouPy bank with C_in and S_in swapped, batch
    norm's running statistics, dropout's masks, the sum over the point axis passed verify) hold
    on the line, the plane, the hexagonal lattice, space and the sampled groups; the
    self-test shows each fails on its wrong variant."""
    rows = verify.run(only=claim, seed=seed, trials=3,
                      groups=["z1m", "p4m", "p6", "P4/mmm", "se2_8", "scale"],
                      symbolic_proofs=False)
    assert rows and all(r.passed for r in rows), [(r.group, r.worst, r.note) for r in rows]


@pytest.mark.parametrize("d", [1, 2, 3])
def test_engine_paths_runs_stacked_in_several_chunks(monkeypatch, d):
    """From a review: the claim ran "stacked" in one chunk only (its other bound, one byte,
    takes "im2col"), so a bug in every chunk after the first passed it."""
    from groupconv.fast import engine
    chunks = engine._stacked_chunks

    def later_chunks_wrong(xp, ws, x, k, p, *args):
        for i, (b0, nb, cols) in enumerate(chunks(xp, ws, x, k, p, *args)):
            yield b0, nb, cols * (2.0 if i else 1.0)

    strategy, channels, side, k, p = next(path for path in claims._ENGINE_PATHS[d]
                                          if path[0] == "stacked")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, channels) + (side,) * d)
    w = rng.standard_normal((3,) + (k,) * d + (channels,))
    assert claims.engine_paths(x, w, p, strategy, rng) < 1e-12
    monkeypatch.setattr(engine, "_stacked_chunks", later_chunks_wrong)
    assert claims.engine_paths(x, w, p, strategy, rng) > 0.1


def test_a_claim_draws_the_same_alone_as_in_the_full_run():
    """Each claim and group has draws of its own: --only reproduces the full run's row, and a
    claim added before another leaves its draws alone (one stream for all had shifted them)."""
    full = {(r.claim, r.group): r.worst
            for r in verify.run(3, 1, groups=["p4", "z2"], symbolic_proofs=False)}
    for only in ("fast_equals_literal", "array_equivariance", "finite_difference_gradient"):
        alone = verify.run(3, 1, groups=["p4", "z2"], only=only, symbolic_proofs=False)
        assert alone and all(r.worst == full[r.claim, r.group] for r in alone), only


def test_a_failing_row_says_the_draw_that_failed():
    """From a proof-checker's review: fast_equals_literal draws a kind, k and mode per trial,
    and a failing row did not say which; a trial that showed nothing (inf) gave no note."""
    from unittest import mock

    from groupconv.groups import Kind
    right = claims.lifting_array

    def off(x, w, group, mode="valid", method="fast", **options):
        y = right(x, w, group, mode=mode, method=method, **options)
        return y * 1.001 if method == "fast" else y
    with mock.patch.dict(claims._ARRAY_OPS, {Kind.LIFTING: off}):
        rows = verify.run(0, 2, only="fast_equals_literal", groups=["p4"],
                          symbolic_proofs=False)
    assert not rows[0].passed and rows[0].note.startswith("worst on the lifting, k = ")
    assert "mode" in rows[0].note and "x of shape" in rows[0].note
    with mock.patch.object(claims, "_ENGINE_PATHS", {2: (("scatter", 24, 14, 3, 0),)}):
        rows = verify.run(0, 1, only="engine_paths", groups=["z2"], symbolic_proofs=False)
    assert not rows[0].passed and "no longer takes the path it is meant for" in rows[0].note
