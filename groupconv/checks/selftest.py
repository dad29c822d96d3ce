"""``groupconv verify --self-test``: known-wrong variants of the library, and the claims that
catch them.

Each variant replaces one piece of the library with a plausible bug, in this process only
(``unittest.mock.patch`` on the names the library looks up; no file is edited), clears the
caches of index tables so that nothing computed by the right code survives, runs every claim
once (``verify.run`` with one trial), and restores the library. A variant that no claim
catches is a hole in the checks: the self-test fails then.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from unittest import mock

import numpy as np
from array_api_compat import array_namespace

from .. import modes, nn
from ..arguments import counted
from ..fast import action, banks, engine, interpolation
from ..fast.banks import OperatorBank
from ..feature_maps import L, _box_corner_points, _grid, _tabulate, box_of
from ..groups import SE2, Kind, ScaleTranslation, SemidirectProduct, get_group, symbolic
from ..groups.sampled import scaled_kernel_size
from ..literal import lattice, sampled
from . import claims, verify

__all__ = ["VARIANTS", "Variant", "run", "format_table", "passed"]


@dataclass(frozen=True)
class Variant:
    """A known-wrong library (``patches``), and the claims that must catch it (``must``): each
    one an independent check of the code the variant breaks, so that a claim weakened until it
    can no longer fail shows here, even while other claims still catch the variant."""

    name: str
    patches: Callable[[], contextlib.AbstractContextManager]
    must: tuple[str, ...] = ()


def _clear_caches() -> None:
    """Forget every cached table, so that a variant's tables are computed by its own code."""
    for module in (action, banks, interpolation, symbolic):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


@contextlib.contextmanager
def _patched(*patches) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        _clear_caches()
        try:
            yield
        finally:
            _clear_caches()


def _read_only(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


# ------------------------------------------------------------------ the wrong library
def _point_groups() -> list:
    """The point groups of the lattice groups the variants run on (2D and 3D)."""
    return [g.stabiliser for g in map(get_group, GROUPS) if isinstance(g, SemidirectProduct)
            and g.samples > 1]


def _wrong_rotation_sense():
    return _patched(*(mock.patch.object(h, "matrices", _read_only(h.matrices.transpose(0, 2, 1)))
                      for h in _point_groups()))


def _swapped_law():
    def compose(self, a, b):                      # t2 + h2 t1 instead of t1 + h1 t2
        i, ta = self._split(a)
        j, tb = self._split(b)
        t = tb + np.einsum("...ij,...j->...i", self.stabiliser.matrices[j], ta)
        return self._join(self.stabiliser.cayley[i, j], t)
    return _patched(mock.patch.object(SemidirectProduct, "_compose", compose))


def _transposed_cayley():
    return _patched(*(mock.patch.object(h, "cayley", _read_only(h.cayley.T))
                      for h in _point_groups()))


def _wrong_inverse():
    return _patched(*(mock.patch.object(h, "inverse_table", _read_only(np.arange(h.order)))
                      for h in _point_groups()))


def _l_composes_on_the_wrong_side():
    def wrong_l(g, f):                            # L_g f = f o g instead of f o g^-1
        return L(g.inverse(), f)
    return _patched(*(mock.patch(f"{module}.L", wrong_l) for module in (
        "groupconv.feature_maps", "groupconv.checks.claims", "groupconv.fast.action")))


def _psi_of_gh():
    def correlation(f, psi):                      # psi(g h) instead of psi(g^-1 h)
        psis = lattice._filters(psi, f, "group_correlation")
        h = f.support().reshape(1, -1)
        f_h = f(h)
        box = lattice._box(f.corners(), lattice._inverse_corners(psis))
        return lattice._table(f.group, box, lambda g: lattice._sum_k_y(f_h, psis, g * h),
                              h.size)
    return _patched(mock.patch.object(lattice, "group_correlation", correlation),
                    mock.patch.object(claims, "group_correlation", correlation))


def _dropped_channel_sum():
    def one_channel(f_y, psis, where):            # sum over channel 0 only
        return np.stack([(f_y[:1] * p(where)[:1]).sum(axis=(0, -1)) for p in psis])
    return _patched(mock.patch.object(lattice, "_sum_k_y", one_channel))


def _convolution_correlates():
    return _patched(mock.patch.object(lattice, "group_convolution", lattice.group_correlation),
                    mock.patch.object(claims, "group_convolution", lattice.group_correlation))


def _bank_rotated_the_other_way():
    right = banks._flat_sources.__wrapped__

    def flat_sources(group, k, kind):             # L_{h_s^-1} psi for output sample s
        table = right(group, k, kind)
        return _read_only(table[group.stabiliser.inverse_table])
    return _patched(mock.patch.object(banks, "_flat_sources", flat_sources))


def _flipped_engine_tap():
    right = engine.correlate

    def flipped(x, w, mode="valid", **options):   # the taps of the first axis in reverse order
        return right(x, array_namespace(w).flip(w, axis=1), mode, **options)
    return _patched(mock.patch.object(engine, "correlate", flipped))


def _matrix_of_the_inverse():
    right = SemidirectProduct._matrix

    def matrix(self, a):                          # point part 1 (R) drawn as its inverse's
        out = right(self, a).copy()
        i, d = self._split(a)[0], self.dim
        out[..., :d, :d] = self.stabiliser.matrices[
            np.where(i == 1, self.stabiliser.inverse_table[1 % self.stabiliser.order], i)]
        return out
    return _patched(mock.patch.object(SemidirectProduct, "_matrix", matrix))


def _translations_negated_in_the_matrix():
    right = SemidirectProduct._matrix

    def matrix(self, a):                          # [[A, -t], [0, 1]]: conjugated by -I
        out = right(self, a).copy()
        out[..., :-1, -1] *= -1
        return out
    return _patched(mock.patch.object(SemidirectProduct, "_matrix", matrix))


def _rows_taps_reversed():
    right = engine._rows_weights

    def reversed_taps(xp, w):                     # "rows": the first axis's taps reversed
        return right(xp, xp.flip(w, axis=1))
    return _patched(mock.patch.object(engine, "_rows_weights", reversed_taps))


def _stacked_channels_before_taps():
    right = engine._stacked_chunks

    def chunks(xp, ws, x, *args):   # "stacked": its rows read (c, a) against w's (a, c)
        for b0, nb, cols in right(xp, ws, x, *args):
            rows = xp.reshape(cols, (nb, -1, x.shape[1], cols.shape[-1]))
            yield b0, nb, xp.reshape(xp.permute_dims(rows, (0, 2, 1, 3)), cols.shape)
    return _patched(mock.patch.object(engine, "_stacked_chunks", chunks))


def _bias_per_flat_channel():
    right = nn.BankConv.forward

    def forward(self, x, training=False):   # b[(o S + s) mod C] for output o, sample s
        y, saved = right(self, x, training)
        if "bias" not in self.params:
            return y, saved
        b = np.asarray(self.params["bias"])
        c, s = b.shape[0], y.shape[2]
        flat = b[(np.arange(c)[:, None] * s + np.arange(s)) % c]
        spatial = (1,) * (y.ndim - 3)
        return y - b.reshape((c, 1) + spatial) + flat.reshape((c, s) + spatial), saved
    return _patched(mock.patch.object(nn.BankConv, "forward", forward))


def _batch_norm_evaluation_gamma_doubled():
    right = nn.BatchNorm.backward

    def backward(self, cache, dy, input_grad=True):   # training mode right, evaluation not
        dx, grads = right(self, cache, dy, input_grad)
        return dx, (grads if cache[2] else {**grads, "gamma": 2 * grads["gamma"]})
    return _patched(mock.patch.object(nn.BatchNorm, "backward", backward))


def _batch_norm_running_variance_biased():
    right = nn.BatchNorm.forward

    def forward(self, x, training=False):         # running_var fed var, not var n / (n - 1)
        before = self.running_var
        y, cache = right(self, x, training)
        if training:
            n = x.size // x.shape[1]
            kept = (1 - self.momentum) * before
            self.running_var = kept + (self.running_var - kept) * (n - 1) / n
        return y, cache
    return _patched(mock.patch.object(nn.BatchNorm, "forward", forward))


def _dropout_channels_drawn_per_entry():
    right = nn.Dropout.forward

    def forward(self, x, training=False):         # per="channel" drawing a mask per entry
        per, self.per = self.per, "element"
        try:
            return right(self, x, training)
        finally:
            self.per = per
    return _patched(mock.patch.object(nn.Dropout, "forward", forward))


def _sum_pool_backward_averaged():
    right = nn.SubgroupPool.backward

    def backward(self, cache, dy, input_grad=True):   # the sum's backward divided by S
        dx, grads = right(self, cache, dy, input_grad)
        return (dx / cache[0][2] if self.reduction == "sum" else dx), grads
    return _patched(mock.patch.object(nn.SubgroupPool, "backward", backward))


def _images_copied_out_of_turn():
    def put(xp, dst, src):                        # one by one, the fourth image read as the third
        if src.shape[0] <= engine._FILL_PER_IMAGE:
            for i in range(src.shape[0]):
                dst[..., i] = src[min(i, 2), ...]
        else:
            dst[...] = xp.permute_dims(src, tuple(range(1, src.ndim)) + (0,))
    return _patched(mock.patch.object(engine, "_put_images_last", put))


def _groupy_bank_channels_and_samples_swapped():
    right = banks._gather_indices

    def gather(group, k, kind, c_in, layout):    # GrouPy's layout read (S_out, S_in, C_in)
        idx = right(group, k, kind, c_in, layout)
        if layout != "groupy":
            return idx
        full = idx.reshape((group.samples, c_in, -1) + (k,) * group.dim)
        return np.ascontiguousarray(np.swapaxes(full, 1, 2)).reshape(-1)
    return _patched(mock.patch.object(banks, "_gather_indices", gather))


def _engine_tap_flipped_in_float32():
    right = engine.correlate

    def flipped(x, w, mode="valid", **options):   # float64 right, float32 with a flipped tap
        if x.dtype == np.float32:
            w = np.flip(w, axis=1)
        return right(x, w, mode, **options)
    return _patched(mock.patch.object(engine, "correlate", flipped))


def _lifting_input_channels_reversed():
    def reversing(cls):                            # w[:, ::-1]: channel c read as C - 1 - c
        expand, adjoint = cls.expand, cls.adjoint

        def expand_reversed(self, w):
            return expand(self, w[:, ::-1] if self.kind is Kind.LIFTING else w)

        def adjoint_reversed(self, dbank, weight_shape):   # the adjoint agrees with it
            dw = adjoint(self, dbank, weight_shape)
            return dw[:, ::-1] if self.kind is Kind.LIFTING else dw
        return (mock.patch.object(cls, "expand", expand_reversed),
                mock.patch.object(cls, "adjoint", adjoint_reversed))
    return _patched(*reversing(banks.LatticeBank), *reversing(OperatorBank))


def _mean_pool_backward_unscaled():
    right = nn.SubgroupPool.backward

    def backward(self, cache, dy, input_grad=True):   # the mean's 1 / S forgotten
        dx, grads = right(self, cache, dy, input_grad)
        return (dx * cache[0][2] if self.reduction == "mean" else dx), grads
    return _patched(mock.patch.object(nn.SubgroupPool, "backward", backward))


def _global_mean_backward_square():
    right = nn.GlobalPool.backward

    def backward(self, cache, dy, input_grad=True):  # 1 / n^d, n the last side: square only
        dx, grads = right(self, cache, dy, input_grad)
        if self.kind != "mean":
            return dx, grads
        sides = cache[0][len(cache[0]) - self._bound().dim:]
        return dx * (np.prod(sides) / sides[-1] ** len(sides)), grads
    return _patched(mock.patch.object(nn.GlobalPool, "backward", backward))


def _planar_convolution_correlates():
    return _patched(mock.patch.object(lattice, "planar_convolution", lattice.planar_correlation),
                    mock.patch.object(claims, "planar_convolution", lattice.planar_correlation))


def _l_moves_space_only():
    def space_only(g, f):                         # on G: pixels move, the point axis does not
        if f.group.samples == 1:
            return L(g, f)
        h = np.arange(f.group.samples).reshape((-1,) + (1,) * f.group.dim)
        g = f.group.embed(g)
        box = box_of(g.act(_box_corner_points(f.box)))
        x = _grid(box)
        return _tabulate(f.group, box, f(f.group.from_parts(h, g.inverse().act(x)[None])))
    return _patched(*(mock.patch(f"{module}.L", space_only) for module in (
        "groupconv.feature_maps", "groupconv.checks.claims", "groupconv.fast.action")))


def _l_box_not_turned():
    def shifted_box(g, f):                        # the box moved by g's translation, not turned
        if f.group.samples > 1:
            g = f.group.embed(g)
        t = np.asarray(g.group.translation_of(g), dtype=np.int64)
        box = (tuple(int(a) for a in np.add(f.box[0], t)),
               tuple(int(b) for b in np.add(f.box[1], t)))
        x, g_inv = _grid(box), g.inverse()
        if f.group.samples == 1:
            return _tabulate(f.group, box, f(g_inv.act(x))[:, None])
        h = np.arange(f.group.samples).reshape((-1,) + (1,) * f.group.dim)
        return _tabulate(f.group, box, f(g_inv * f.group.from_parts(h, x[None])))
    return _patched(*(mock.patch(f"{module}.L", shifted_box) for module in (
        "groupconv.feature_maps", "groupconv.checks.claims", "groupconv.fast.action")))


def _wrong_same_padding():
    return _patched(mock.patch.dict(modes.PADDING, {"same": lambda k: (k + 1) // 2}))


def _adjoint_taps_not_reversed():
    def unreversed(w):      # (O, *k^d, C) -> (C, *k^d, O), the taps left in their order
        d = w.ndim - 2
        return array_namespace(w).permute_dims(w, (d + 1,) + tuple(range(1, d + 1)) + (0,))
    return _patched(mock.patch.object(engine, "adjoint_weights", unreversed))


def _relu_backward_sign():
    def backward(self, cache, dy, input_grad=True):
        return -dy * cache, {}
    return _patched(mock.patch.object(nn.ReLU, "backward", backward))


# ------------------------------------------------------------------ the sampled groups
def _se2_literal_plus_theta():
    right = sampled.exact_cos_sin

    def cos_sin(angle):                           # R(+theta) where the sum reads R(theta)^-1
        return right(-angle)
    return _patched(mock.patch.object(sampled, "exact_cos_sin", cos_sin))


def _se2_inverse_unturned():
    def inverse(self, a):                         # (r, t)^-1 = (-r, -R(r) t), not -R(-r) t
        r = a[..., 0].astype(np.int64)
        t = -np.einsum("...ij,...j->...i", self._matrices[r % self.n], a[..., 1:])
        return np.concatenate([((-r) % self.n)[..., None].astype(float), t], axis=-1)
    return _patched(mock.patch.object(SE2, "_inverse", inverse))


def _se2_point_law_subtracts():
    right = SE2._compose

    def compose(self, a, b):                      # the point parts composed as r1 - r2
        product = right(self, a, b)
        product[..., 0] = (a[..., 0].astype(np.int64) - b[..., 0].astype(np.int64)) % self.n
        return product
    return _patched(mock.patch.object(SE2, "_compose", compose))


def _se2_matrices_turned_back():
    group = get_group("se2_8")                    # its stored matrices R(-theta), used alike
    turned = np.ascontiguousarray(np.swapaxes(group._matrices, -1, -2))
    turned.flags.writeable = False
    return _patched(mock.patch.object(group, "_matrices", turned))


def _operators_turned_back():
    right = interpolation.transform_operator

    def turned(matrix, k, out_k=None, mask=False):   # the kernel turned by -theta
        return right(np.asarray(matrix).T, k, out_k, mask)
    return _patched(mock.patch.object(interpolation, "transform_operator", turned))


def _operators_unturned_off_grid():
    right = interpolation.transform_operator

    def unturned(matrix, k, out_k=None, mask=False):   # R(theta) off the grid read as 1
        m = np.asarray(matrix, dtype=float)
        if not np.array_equal(m, np.round(m)):
            m = np.eye(2) * np.sqrt(abs(np.linalg.det(m)))
        return right(m, k, out_k, mask)
    return _patched(mock.patch.object(interpolation, "transform_operator", unturned))


def _truncated_scaled_kernel():
    def kernel_size(self, k):                     # one ring short of the largest scale's reach
        return max(1, scaled_kernel_size(self.base, self.n_scales, k) - 2)
    return _patched(mock.patch.object(ScaleTranslation, "kernel_size", kernel_size))


def _scale_kernels_normalised_by_s():
    right = interpolation._kernel_operators

    def operators(group, k):                      # k_s / s where the area's 1 / s^2 is meant
        ops = right(group, k)
        if not isinstance(group, ScaleTranslation):
            return ops
        area = np.abs(np.linalg.det(group.point_matrices()))
        return _read_only(ops * np.sqrt(area)[:, None, None])
    return _patched(mock.patch.object(interpolation, "_kernel_operators", operators))


def _operator_adjoint_without_transpose():
    right = OperatorBank.adjoint

    def adjoint(self, dbank, weight_shape):       # the samples' operators in reverse order
        ops = self._operators
        with mock.patch.object(self, "_operators", lambda k: _read_only(ops(k)[::-1])):
            return right(self, dbank, weight_shape)
    return _patched(mock.patch.object(OperatorBank, "adjoint", adjoint))


def _scales_not_emptied():
    def take(xp, flat, src, axis, like):          # sample 0 where a scale falls off the axis
        return xp.take(flat, action.on_device(np.where(src < 0, 0, src), like), axis=axis)
    return _patched(mock.patch.object(action, "_take", take))


def _scales_normalised_on_the_group():
    original = action._interpolated

    def normalised(xp, x, group, s, space, lead, shape):   # 1 / s^2, as the kernels have
        out = original(xp, x, group, s, space, lead, shape)
        if space.point_axis and isinstance(group, ScaleTranslation):
            return out / float(group.base) ** (2 * s)
        return out
    return _patched(mock.patch.object(action, "_interpolated", normalised))


def _nearest_pixel_tables():
    def tables(inverse_key, shape):               # the nearest pixel, not the bilinear four
        points = interpolation._sample_points(np.array(inverse_key).reshape(2, 2), shape, shape)
        return interpolation.bilinear_weights(np.round(points), shape)
    return _patched(mock.patch.object(interpolation, "_image_tables", tables))


VARIANTS: tuple[Variant, ...] = (
    Variant("rotation of the wrong sense (R^T for R)", _wrong_rotation_sense,
            ("lifting_equivariance", "array_equivariance", "symbolic_matrix_formula",
             "documented_elements")),
    Variant("swapped semidirect law (t2 + h2 t1)", _swapped_law,
            ("group_axioms", "L_homomorphism", "lifting_equivariance", "L_translation",
             "symbolic_closure", "symbolic_associativity", "symbolic_closed_form_law")),
    Variant("transposed Cayley table", _transposed_cayley,
            ("group_axioms", "array_equivariance", "group_correlation_equivariance")),
    Variant("wrong inverse (every h its own inverse)", _wrong_inverse,
            ("inverse_of_product", "array_equivariance", "rotation_convention",
             "group_convolution_equivariance", "symbolic_inverses",
             "symbolic_inverse_of_product")),
    Variant("L_g f = f o g", _l_composes_on_the_wrong_side,
            ("L_homomorphism", "array_equivariance")),
    Variant("psi(g h) for psi(g^-1 h)", _psi_of_gh,
            ("group_correlation_equivariance", "two_forms_agree")),
    Variant("dropped channel sum", _dropped_channel_sum,
            ("fast_equals_literal", "substitution")),
    Variant("G-convolution that correlates", _convolution_correlates,
            ("convolution_value", "fast_equals_literal")),
    Variant("kernel rotated the other way in the bank", _bank_rotated_the_other_way,
            ("array_equivariance", "fast_equals_literal")),
    Variant("flipped engine tap", _flipped_engine_tap,
            ("fast_equals_literal", "adjoint_identity", "array_equivariance")),
    Variant("translations negated in the matrices", _translations_negated_in_the_matrix,
            ("matrix_and_action",)),
    Variant("g.matrix() giving point part 1 its inverse's matrix", _matrix_of_the_inverse,
            ("symbolic_closure", "matrix_and_action")),
    Variant("engine 'rows' with the first axis's taps reversed", _rows_taps_reversed,
            ("engine_paths",)),
    Variant("engine 'stacked' with channels before taps", _stacked_channels_before_taps,
            ("engine_paths",)),
    Variant("bias per flattened channel, b[(o S + s) mod C]", _bias_per_flat_channel,
            ("layer_equivariance",)),
    Variant("batch norm's gamma gradient doubled in evaluation mode",
            _batch_norm_evaluation_gamma_doubled, ("finite_difference_gradient",)),
    Variant("batch norm's running variance without n / (n - 1)",
            _batch_norm_running_variance_biased, ("layer_formulas",)),
    Variant("dropout per channel drawing a mask per entry", _dropout_channels_drawn_per_entry,
            ("layer_formulas",)),
    Variant("sum over the point axis, backward by 1 / S", _sum_pool_backward_averaged,
            ("layer_formulas",)),
    Variant("engine chunk: the fourth image copied from the third", _images_copied_out_of_turn,
            ("engine_paths",)),
    Variant("GrouPy's bank with C_in and S_in swapped", _groupy_bank_channels_and_samples_swapped,
            ("filter_bank_layout",)),
    Variant("engine tap flipped for float32 only", _engine_tap_flipped_in_float32,
            ("fast_float32",)),
    Variant("lifting bank reading input channel C - 1 - c (adjoint too)",
            _lifting_input_channels_reversed, ("fast_equals_literal",)),
    Variant("mean over the point axis, backward without 1 / S", _mean_pool_backward_unscaled,
            ("finite_difference_gradient",)),
    Variant("mean over space, backward by 1 / n^d with n the last side",
            _global_mean_backward_square, ("finite_difference_gradient",)),
    Variant("planar convolution that correlates", _planar_convolution_correlates,
            ("planar_convolution_value",)),
    Variant("L_g on G moving the pixels only", _l_moves_space_only, ("L_definition",)),
    Variant("L_g tabulated on the box moved, not turned (values fall outside it)",
            _l_box_not_turned, ("L_definition",)),
    Variant("wrong 'same' padding", _wrong_same_padding, ("mode_sizes",)),
    Variant("adjoint with its taps not reversed", _adjoint_taps_not_reversed,
            ("adjoint_identity", "finite_difference_gradient", "input_gradient_is_convolution")),
    Variant("ReLU backward of the wrong sign", _relu_backward_sign,
            ("finite_difference_gradient",)),
    Variant("SE(2) literal sum reading R(+theta)", _se2_literal_plus_theta,
            ("fast_equals_literal",)),
    Variant("SE(2) bank turned by -theta", _operators_turned_back,
            ("fast_equals_literal", "se2_n4_is_p4", "measured_equivariance")),
    Variant("SE(2) kernels not turned at the interpolated angles", _operators_unturned_off_grid,
            ("fast_equals_literal", "measured_equivariance")),
    Variant("SE(2) inverse that does not turn back", _se2_inverse_unturned,
            ("sampled_group_laws", "symbolic_sampled_law")),
    Variant("SE(2) point parts composed as r1 - r2", _se2_point_law_subtracts,
            ("symbolic_point_law",)),
    Variant("SE(2) matrices stored as R(-theta)", _se2_matrices_turned_back,
            ("matrix_rounding",)),
    Variant("scaled kernel truncated", _truncated_scaled_kernel,
            ("fast_equals_literal",)),
    Variant("scaled kernels normalised by 1 / s, not 1 / s^2", _scale_kernels_normalised_by_s,
            ("fast_equals_literal", "scale_dilation")),
    Variant("operator bank adjoint with the wrong operators", _operator_adjoint_without_transpose,
            ("adjoint_identity", "finite_difference_gradient")),
    Variant("nearest-pixel L_h in the checks (not bilinear)", _nearest_pixel_tables,
            ("interpolated_transform",)),
    Variant("the scales' L_h reading sample 0 where a scale falls off the axis",
            _scales_not_emptied, ("interpolated_transform",)),
    Variant("the scales' L_h on the group scaling its values by 1 / s^2, as kernels are",
            _scales_normalised_on_the_group, ("interpolated_transform",)),
)
#: The width of the variants' column in the self-test's table.
_WIDTH = max(len(v.name) for v in VARIANTS)


#: The groups the variants are run on: the line's mirror group (Z1m: the variants that can act
#: in 1D), the paper's, a group of the cube (P422, 8 rotations: the smallest with turns about
#: two axes) and the two sampled groups (every variant breaks one of their laws or layers; the
#: other groups share the code, and ``groupconv verify`` checks them).
GROUPS = ("z1m", "z2", "p4", "p4m", "P422", "se2_8", "scale")


def run(seed: int = 0, progress: Callable[[str], None] | None = None,
        must_only: bool = False) -> list[dict]:
    """Every variant, with the claims that caught it and those of its ``must`` that did not:
    [{"variant", "caught_by", "raised", "missed_by"}, ...] ("raised": the rows that failed by
    an exception; a claim of ``must`` catches its variant only by a comparison that fails). The
    library as it is runs first: a claim it
    fails would seem to catch every variant, so that is a ValueError. ``must_only``: each
    variant against its ``must`` claims alone (the rows they give are the full run's: each
    claim draws its own inputs), a fraction of the time; the full run also shows every other
    claim that catches it."""
    failing = sorted(f"{r.claim}[{r.group}]" for r in verify.run(seed=seed, trials=1,
                                                                 groups=GROUPS) if not r.passed)
    if failing:
        raise ValueError(f"the library as it is fails {', '.join(failing)} on the self-test's "
                         f"groups: a variant's failures would prove nothing (run groupconv "
                         f"verify)")
    results = []
    for variant in VARIANTS:
        start = time.perf_counter()
        with variant.patches():
            rows = [row for claim in variant.must for row in verify.run(
                seed=seed, trials=1, groups=GROUPS, only=claim)] if must_only else \
                verify.run(seed=seed, trials=1, groups=GROUPS)
        caught = sorted({f"{r.claim}[{r.group}]" for r in rows if not r.passed})
        # a claim must catch its variant by a comparison: a trial that raised (a shape the
        # variant broke) shows that the claim runs the code, not that it can see a wrong value
        compared = {r.claim for r in rows if not r.passed and not r.raised}
        results.append({"variant": variant.name, "caught_by": caught,
                        "raised": sorted({f"{r.claim}[{r.group}]" for r in rows if r.raised}),
                        "missed_by": [claim for claim in variant.must if claim not in compared]})
        if progress is not None:
            progress(f"{variant.name:<{_WIDTH}} caught by {counted(len(caught), 'row'):>8} "
                     f"({time.perf_counter() - start:.1f} s)")
    with contextlib.suppress(Exception):   # the right library again, for whatever runs next
        _clear_caches()
    return results


def format_table(results: list[dict], seconds: float) -> str:
    """One line per variant: its name and the claims that caught it."""
    lines = [f"{'variant':<{_WIDTH}} caught by", "-" * 100]
    for r in results:
        caught = ", ".join(r["caught_by"]) or "NOTHING: the checks missed it"
        shown = caught if len(caught) <= 160 else caught[:157] + "..."
        lines.append(f"{r['variant']:<{_WIDTH}} {shown}")
        if r["missed_by"]:
            raised = f" (rows that raised: {', '.join(r['raised'])})" if r.get("raised") else ""
            lines.append(f"{'':<{_WIDTH}} NOT caught by {', '.join(r['missed_by'])}, which must catch "
                         f"it by a comparison{raised}")
    survived = sum(not passed(r) for r in results)
    lines.append("-" * 100)
    lines.append(f"{len(results)} known-wrong variants, {len(results) - survived} caught by "
                 f"every claim that must catch them, {survived} not, in {seconds:.1f} s")
    return "\n".join(lines)


def passed(result: dict) -> bool:
    """Whether a variant was caught, and by every claim that must catch it."""
    return bool(result["caught_by"]) and not result["missed_by"]
