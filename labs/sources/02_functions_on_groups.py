# %% [markdown]
# # Lab 2: from images to functions on groups
#
# A CNN layer maps images to images; a G-CNN's first layer maps an image to a function on the
# group p4, with one plane per rotation, and its later layers map functions on p4 to functions
# on p4. In this lab you
#
# - let a group element act on images and on p4 functions by the operator
#   (L_g f)(x) = f(g⁻¹ x), exactly;
# - write the lifting correlation and the group correlation yourself, from their formulas;
# - let `groupconv.check_layer` grade them, and read its diagnosis when a convention is off;
# - project a p4 function back to the plane, and see invariance appear.

# %%
import matplotlib.pyplot as plt
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import groupconv
from groupconv import P4, Z2, Space
from groupconv.fast import project, transform
from groupconv.feature_maps import FeatureMap, L
from groupconv.images import grace_hopper

# %% [markdown]
# ## 1. L_g on images
#
# An image is a function on Z², the integer points of the plane, with finite support. Rotating
# it by g means (L_g f)(x) = f(g⁻¹ x). For a quarter turn about the centre pixel this is
# exactly `np.rot90`: no interpolation, no rounding.

# %%
image = FeatureMap(Z2, grace_hopper(33)[None], origin="centre")   # 33 x 33, origin at the centre
r = P4.element(r=1)
turned = L(r, image)
print("L_r f equals np.rot90(f):",
      np.array_equal(turned.values, np.rot90(image.values, 1, axes=(-2, -1))))
shifted = L(P4.element(r=0, u=5, v=0), image)
print("support box before:", image.box, " after a translation by (5, 0):", shifted.box)

fig, axes = plt.subplots(1, 4, figsize=(9, 2.6))
for k, ax in enumerate(axes):
    ax.imshow(L(P4.element(r=k), image).values[0], cmap="gray")
    ax.set_title(f"L_r^{k} f")
    ax.axis("off")
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
# For g = (r, t), L_g ψ is ψ turned by r quarter turns and moved to t: so for each rotation r,
# correlate the image with the kernel turned by r. Here is a plain 2D cross-correlation
# ("valid": the kernel stays inside the image) to build on:

# %%
def corr2d(x, k):
    """Valid cross-correlation: out[..., i, j] = sum_{a, b} x[..., i + a, j + b] k[..., a, b]."""
    windows = sliding_window_view(x, k.shape[-2:], axis=(-2, -1))
    return np.einsum("...ijab,...ab->...ij", windows, k)


# %% [markdown]
# **Exercise 2.1.** Write the lifting correlation of images x (B, C_in, H, W) with kernels
# w (C_out, C_in, k, k): the result has shape (B, C_out, 4, H - k + 1, W - k + 1), and its
# plane r is the correlation with the kernels turned by r quarter turns counter-clockwise
# (`np.rot90(w, r, axes=(-2, -1))`), summed over input channels.

# %%
def my_lifting(x, w):
    # BEGIN SOLUTION: Exercise 2.1: plane r: corr2d with w turned by np.rot90, summed over c
    planes = []
    for rot in range(4):
        turned_w = np.rot90(w, rot, axes=(-2, -1))
        planes.append(corr2d(x[:, None], turned_w[None]).sum(axis=2))
    return np.stack(planes, axis=2)
    # END SOLUTION


report = groupconv.check_layer(my_lifting, "p4", "lifting")
print(report)

# %% [markdown]
# `check_layer` runs your function on random inputs and compares it with groupconv's lifting
# correlation; it also measures your layer's equivariance by itself. The two checks are
# different: a layer can be perfectly equivariant and still compute something else. Flip the
# kernels (a convolution instead of a correlation) and watch:

# %%
def flipped(x, w):
    return my_lifting(x, np.flip(w, axis=(-2, -1)))


print(groupconv.check_layer(flipped, "p4", "lifting"))

# %% [markdown]
# Equivariant to rounding, yet wrong by 100%: only the reference comparison catches it, and
# the diagnosis names the convention. Turning the kernels the other way is caught by both:

# %%
print(groupconv.check_layer(lambda x, w: my_lifting(x, w)[:, :, [0, 3, 2, 1]], "p4", "lifting"))

# %% [markdown]
# ## 4. The group correlation
#
# A later layer correlates a function on p4 with a kernel on p4:
#
# $$(f \star \psi)(g) = \sum_{h \in p4} \sum_c f_c(h)\, \psi_c(g^{-1} h).$$
#
# For g = (r, t): (L_g ψ)(s, y) = ψ(s - r, R⁻ʳ(y - t)). So plane r of the output correlates
# input plane s with the kernel plane s - r (mod 4), turned by r, summed over s and channels.
#
# **Exercise 2.2.** Write it for x (B, C_in, 4, H, W) and w (C_out, C_in, 4, k, k).

# %%
def my_group_correlation(x, w):
    # BEGIN SOLUTION: Exercise 2.2: plane r: sum over s, c of x[:, c, s] and turned w[:, c, s - r]
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


report = groupconv.check_layer(my_group_correlation, "p4", "correlation")
print(report)
assert report.reference_error < 1e-10

# %% [markdown]
# ## 5. Projection and invariance
#
# The output of a group correlation rotates with its input, orientation axis included. Taking
# the maximum over the orientation axis (projection over the rotations) gives an image that
# simply rotates; averaging that over space as well gives numbers that do not change at all.

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
