# %% [markdown]
# # Lab 2: from images to functions on groups
#
# A CNN layer maps images to images; a G-CNN's first layer maps an image to a function on the
# group p4, with one plane per rotation, and its later layers map functions on p4 to functions
# on p4. In this lab you
#
# - let a group element act on images and on p4 functions by the operator
#   (L_g f)(x) = f(g⁻¹ x), exactly;
# - write the lifting correlation and the group correlation yourself, from their formulas, and
#   fold the group correlation into one ordinary correlation, as fast implementations do (each
#   graded by `groupconv.labs.grade`, which runs `groupconv.check_layer`);
# - play with the paper's widget: move and turn an image, and watch its p4 feature map follow;
# - project a p4 function back to the plane, and see invariance appear.
#
# *Setup.* The next cell installs what this lab needs when it is missing (on Colab or a
# JupyterHub); where everything is installed, it does nothing.

# %%
import importlib.util
import subprocess
import sys

PACKAGE = None  # groupconv's build to install; `groupconv labs --install URL` names it
NEEDED = {"scipy": "scipy", "sklearn": "scikit-learn", "anywidget": "anywidget",
          "mlxtend": "mlxtend"}
if importlib.util.find_spec("groupconv") is None:
    if PACKAGE is None:
        raise RuntimeError("groupconv is not installed here, and this notebook names no build "
                           "of it to install: install it (pip install '.[labs]' in a clone of "
                           "its repository), or use the notebooks your course hands out")
    NEEDED["groupconv"] = PACKAGE
missing = [spec for module, spec in NEEDED.items() if importlib.util.find_spec(module) is None]
if missing:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)

# %%
import matplotlib.pyplot as plt
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import groupconv
from groupconv import P4, Z2, Space
from groupconv.fast import project, transform
from groupconv.feature_maps import FeatureMap, L
from groupconv.images import grace_hopper
from groupconv.labs import grade

# %% [markdown]
# ## 1. L_g on images
#
# An image is a function on Z², the integer points of the plane, with finite support. Moving it
# by g means (L_g f)(x) = f(g⁻¹ x). For a quarter turn about the centre pixel this is exactly
# `np.rot90`: no interpolation, no rounding.

# %%
image = FeatureMap(Z2, grace_hopper(33)[None], origin="centre")   # 33 x 33, origin at the centre
r = P4.element(r=1)
turned = L(r, image)
print("L_r f equals np.rot90(f):",
      np.array_equal(turned.values, np.rot90(image.values, 1, axes=(-2, -1))))
shifted = L(P4.element(r=0, u=5, v=0), image)
print("support box before:", image.box, " after a translation by (5, 0):", shifted.box)

fig, axes = plt.subplots(1, 4, figsize=(10, 2.7), layout="constrained")
for k, ax in enumerate(axes):
    shown = ax.imshow(L(P4.element(r=k), image).values[0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"$L_{{r^{k}}} f$: turned {90 * k}°")
    ax.axis("off")
fig.colorbar(shown, ax=axes, shrink=0.8, label="grey level")
plt.show()

# %% [markdown]
# ## 2. L_g on functions on p4
#
# A function on p4 has an orientation axis: values of shape (channels, 4, H, W). A rotation
# turns every plane **and** shifts the orientation axis cyclically, because
# (L_r f)(s, x) = f(s - 1, R⁻¹ x): the rotation part of r⁻¹ (s, x) is s - 1.

# %%
f = FeatureMap(P4, np.random.default_rng(0).normal(size=(1, 4, 5, 5)), origin="centre")
expected = np.roll(np.rot90(f.values, 1, axes=(-2, -1)), 1, axis=1)
print("L_r f = roll(rot90(f)):", np.array_equal(L(r, f).values, expected))

# %% [markdown]
# On arrays, `groupconv.transform` computes the same operator about the array centre, for a
# batch of images (B, C, H, W) or of p4 functions (B, C, 4, H, W): say which with a `Space`.

# %%
x = np.random.default_rng(1).normal(size=(2, 3, 4, 7, 7))
print("array level equals L_r on each function:",
      np.array_equal(transform(x, r, Space.on_group(P4))[0, :1],
                     L(r, FeatureMap(P4, x[0, :1], origin="centre")).values))

# %% [markdown]
# ## 3. The lifting correlation
#
# The lifting correlation of an image f with a kernel ψ is a function on p4:
#
# $$(f \star \psi)(g) = \sum_{y \in \mathbb{Z}^2} \sum_c f_c(y)\, \psi_c(g^{-1} y)
#   = \sum_y \sum_c f_c(y)\, (L_g \psi)_c(y).$$
#
# Here is a plain 2D cross-correlation ("valid": the kernel stays inside the image) to build on:

# %%
def corr2d(x, k):
    """Valid cross-correlation: out[..., i, j] = sum_{a, b} x[..., i + a, j + b] k[..., a, b]."""
    windows = sliding_window_view(x, k.shape[-2:], axis=(-2, -1))
    return np.einsum("...ijab,...ab->...ij", windows, k)


# %% [markdown]
# **Exercise 2.1.** Write `my_lifting(x, w)`, the lifting correlation of images x (B, C_in, H,
# W) with kernels w (C_out, C_in, k, k), with NumPy (the grader refuses calls into groupconv, so
# that it checks your code). The result has shape (B, C_out, 4, H - k + 1, W - k + 1): plane r
# holds the values at the elements g = (r, t), one per translation t.
#
# *Hint.* For g = (r, t), the formula correlates f with L_g ψ. Which kernel is that, for the
# whole plane r at once? Section 1 shows what L_g does to an image; a kernel turns about its
# centre (k - 1) / 2, between taps for even k, as `np.rot90` turns it.

# %%
def my_lifting(x, w):
    # BEGIN SOLUTION: Exercise 2.1: plane r correlates the image with L_g psi for g = (r, t): which kernel is that?
    planes = []
    for rot in range(4):
        turned_w = np.rot90(w, rot, axes=(-2, -1))
        planes.append(corr2d(x[:, None], turned_w[None]).sum(axis=2))
    return np.stack(planes, axis=2)
    # END SOLUTION


grade("2.1", my_lifting)

# %% [markdown]
# `grade` runs `groupconv.check_layer`, which compares your function with groupconv's lifting
# correlation on random inputs and measures its equivariance by itself. The two checks are
# different: a layer can be perfectly equivariant and still compute something else. Flip the
# kernels (a convolution instead of a correlation) and watch:

# %%
def flipped(x, w):
    return my_lifting(x, np.flip(w, axis=(-2, -1)))


print(groupconv.check_layer(flipped, "p4", "lifting"))

# %% [markdown]
# Equivariant to rounding, yet wrong by about as much as the values themselves: only the reference comparison catches it, and
# the diagnosis names the convention. Turning the kernels the other way is caught by both:

# %%
print(groupconv.check_layer(lambda x, w: my_lifting(x, w)[:, :, [0, 3, 2, 1]], "p4", "lifting"))

# %% [markdown]
# ## 4. The paper's widget
#
# Cohen & Welling's Figure 1, live: the input image in the middle, the four planes of its p4
# feature map around it (an edge filter, lifted). **Drag** the image to move it, **click** it to
# turn it by 90°. Every frame is computed by groupconv as you move: the input is L_g f for the
# element g your moves have built, the planes are its lifting correlation. Moving the input
# moves every plane alike; turning it turns every plane *and* moves it one place along
# e → r → r² → r³ → e: the shift of the orientation axis of section 2. (The documentation site
# has the same widget as a page that needs no Python.)

# %%
from groupconv.widget import p4_widget

p4_widget()

# %% [markdown]
# ## 5. The group correlation
#
# A later layer correlates a function on p4 with a kernel on p4:
#
# $$(f \star \psi)(g) = \sum_{h \in p4} \sum_c f_c(h)\, \psi_c(g^{-1} h)
#   = \sum_h \sum_c f_c(h)\, (L_g \psi)_c(h).$$
#
# **Exercise 2.2.** Write `my_group_correlation(x, w)` for x (B, C_in, 4, H, W) and w (C_out,
# C_in, 4, k, k), with NumPy (not groupconv's `transform` or correlations: the grader refuses
# calls into groupconv): the result has shape (B, C_out, 4, H - k + 1, W - k + 1).
#
# *Hint.* Write g = (r, t) and h = (s, y) and work out the rotation part of g⁻¹ h: it says
# which plane of the kernel meets plane s of the input in output plane r. Section 2 says how
# L_g acts on a function on p4, planes and all.

# %%
def my_group_correlation(x, w):
    # BEGIN SOLUTION: Exercise 2.2: output plane r: for each input plane s, which kernel plane, turned how? (work out g^-1 h)
    planes = []
    for rot in range(4):
        turned_w = np.rot90(w, rot, axes=(-2, -1))
        total = 0
        for s in range(4):
            kernels = turned_w[None, :, :, (s - rot) % 4]
            total = total + corr2d(x[:, None, :, s], kernels).sum(axis=2)
        planes.append(total)
    return np.stack(planes, axis=2)
    # END SOLUTION


grade("2.2", my_group_correlation)

# %% [markdown]
# Deep-learning code usually computes in float32. With `dtype=np.float32` the grader gives your
# function float32 inputs and allows for float32's rounding (about 1e-7 of the values), whatever
# the dtype of the array your function returns, so the same function passes in float32 too:

# %%
grade("2.2", my_group_correlation, dtype=np.float32)

# %% [markdown]
# ## 6. Folding the group axis into the channels
#
# Your group correlation loops over rotations in Python. Fast implementations (GrouPy's, and
# groupconv's fast path) instead turn and shift the kernels once, into a *filter bank* of
# ordinary planar kernels, fold each function's rotation axis into its channels, and call one
# ordinary multi-channel correlation, which a deep-learning library computes quickly.
#
# **Exercise 2.3.** Write `p4_bank(w)`: for w (C_out, C_in, 4, k, k), the planar kernels
# (4·C_out, 4·C_in, k, k) such that `folded(x, w)` below is your group correlation. Output
# channel o * 4 + r is output channel o at rotation r; input channel c * 4 + s is input channel
# c at rotation s (what `x.reshape(B, C_in * 4, H, W)` gives). With NumPy: the grader refuses
# calls into groupconv (`filter_bank` would be the answer).
#
# *Hint.* The block [o, r, c, s] is the kernel that exercise 2.2 applies to input plane s when
# it computes output plane r.

# %%
def planar(x, kernels):
    """Multi-channel valid correlation: x (B, C, H, W), kernels (O, C, k, k) -> (B, O, H', W')."""
    return corr2d(x[:, None], kernels[None]).sum(axis=2)


def folded(x, w):
    """The group correlation as one planar correlation with the filter bank."""
    b, c, _, h, width = x.shape
    out = planar(x.reshape(b, c * 4, h, width), p4_bank(w))
    return out.reshape(b, -1, 4, *out.shape[-2:])


def p4_bank(w):
    # BEGIN SOLUTION: Exercise 2.3: block [o, r, c, s] is the kernel exercise 2.2 applies to input plane s for output plane r
    c_out, c_in, _, k, _ = w.shape
    bank = np.empty((c_out, 4, c_in, 4, k, k))
    for rot in range(4):
        for s in range(4):
            bank[:, rot, :, s] = np.rot90(w[:, :, (s - rot) % 4], rot, axes=(-2, -1))
    return bank.reshape(c_out * 4, c_in * 4, k, k)
    # END SOLUTION


grade("2.3", p4_bank)

# %% [markdown]
# groupconv builds the same bank (`groupconv.filter_bank`, layout (C_out, 4, C_in, 4, k, k))
# from the group alone, by applying L_h to the kernel:

# %%
w = np.random.default_rng(3).normal(size=(2, 3, 4, 3, 3))
print("p4_bank(w) equals groupconv.filter_bank(w, 'p4'):",
      np.allclose(p4_bank(w), groupconv.filter_bank(w, "p4").reshape(8, 12, 3, 3)))

# %% [markdown]
# ## 7. Projection and invariance
#
# The output of a group correlation rotates with its input, orientation axis included. Taking
# the maximum over the orientation axis (projection over the rotations) gives an image that
# simply rotates; averaging that over space as well gives numbers that do not change when the input turns.

# %%
rng = np.random.default_rng(2)
w1 = rng.normal(size=(3, 1, 3, 3))
w2 = rng.normal(size=(5, 3, 4, 3, 3))


def features(images):
    return my_group_correlation(np.maximum(my_lifting(images, w1), 0), w2)


def projected(images):
    return project(features(images), Space.on_group(P4), "max")   # (B, 5, H', W')


def invariant(images):
    return projected(images).mean(axis=(-2, -1))             # (B, 5)


print(groupconv.check_equivariance(features, "p4", output_space="group"))
print(groupconv.check_equivariance(projected, "p4", output_space="plane"))
print(groupconv.check_equivariance(invariant, "p4", output_space="invariant", translations=False))

# %% [markdown]
# The errors are at the level of float rounding (about 1e-16): the equivariance is exact,
# because quarter turns map the pixel grid onto itself. The last check leaves out translations
# on purpose: the mean over a "valid" output changes when content moves towards the border
# (a window that held it falls off the edge), so only the rotations leave it unchanged. Lab 4
# shows what happens at angles that do not map the grid onto itself.
#
# ## Questions for your report
#
# **Question 2.1.** Prove that the group correlation is equivariant:
# ((L_a f) ⋆ ψ)(g) = (L_a (f ⋆ ψ))(g) for every a in p4. Which properties of a group does the
# proof use?
#
# <!-- BEGIN ANSWER -->
# ((L_a f) ⋆ ψ)(g) = Σ_h f(a⁻¹ h) ψ(g⁻¹ h). Substitute h = a h': as h runs over the
# group, so does h' (left multiplication by a is a bijection: inverses exist). Then
# g⁻¹ a h' = (a⁻¹ g)⁻¹ h' (associativity and (x y)⁻¹ = y⁻¹ x⁻¹), so the sum is
# Σ_h' f(h') ψ((a⁻¹ g)⁻¹ h') = (f ⋆ ψ)(a⁻¹ g) = (L_a (f ⋆ ψ))(g). The proof uses
# associativity, inverses, and that the sum over the group does not change when its terms are
# permuted by h -> a h (for finite support, a finite sum; for images, the sum over Z²).
# <!-- END ANSWER -->
#
# **Question 2.2.** `check_layer` found the flipped-kernel layer perfectly equivariant and still
# wrong. Why can equivariance alone never show that a layer is correct? What does the reference
# comparison add?
#
# <!-- BEGIN ANSWER -->
# Equivariance is a property of a whole family of maps: the correlation with *any* kernel is
# equivariant, and a convolution is the correlation with the flipped kernel, so it is
# equivariant too. A layer that uses the wrong kernel, the wrong convention or the wrong
# normalisation can be exactly equivariant. The reference comparison checks that the layer
# computes this particular formula (the same numbers as groupconv on random inputs); the
# equivariance check then says that the symmetry survives, for instance in a layer that is
# right on the identity plane but turns its kernels the wrong way.
# <!-- END ANSWER -->
#
# **Question 2.3.** How many multiplications does one output value of the group correlation
# cost, for C_in input channels and k x k kernels, compared with a planar correlation of C_in
# channels? What does folding into channels (exercise 2.3) change, and what not?
#
# <!-- BEGIN ANSWER -->
# One output value (o, r, i, j) sums over c, s and the k x k window: 4 C_in k² multiplications,
# four times a planar correlation over C_in channels (the input has 4 C_in "channels" once the
# rotations are folded in). For all 4 C_out outputs per pixel, 16 C_in C_out k², against
# C_in C_out k² for a plane-to-plane layer of the same widths. Folding does not change the
# count: it changes the shape of the computation into one large planar correlation (and the
# kernels are turned once per call, not per output), which fast libraries run as one matrix
# product instead of a Python loop over 16 pairs of planes.
# <!-- END ANSWER -->
