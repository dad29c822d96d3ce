# %% [markdown]
# # Lab 4: the lecture's groups, SE(2)_N and scale-translation
#
# p4 is exact on a square pixel grid because a quarter turn maps the grid onto itself. Bekkers'
# lectures go further: SE(2)_N, the plane's translations with N rotations by 360°/N, and the
# scale-translation group. Their kernels must be turned or scaled by interpolation, so most of
# their equivariance is approximate. This lab measures how much, and where it stays exact.

# %%
import matplotlib.pyplot as plt
import numpy as np

import groupconv
from groupconv import SE2, ScaleTranslation, nn
from groupconv.checks import equivariance as eq
from groupconv.images import grace_hopper

# %% [markdown]
# ## 1. SE(2)_N layers
#
# `nn.LiftingConv(SE2(N), c_in, c_out, k)` turns each k x k kernel to the N angles
# θ_r = r 360°/N by bilinear interpolation (within the disk of radius (k - 1)/2, so that no
# corner leaks in or out), and `nn.GroupConv(SE2(N), ...)` also shifts the orientation axis.
# Outputs have shape (B, C, N, H, W), like p4's with N planes instead of 4.

# %%
image = grace_hopper(48)
lift = nn.LiftingConv(SE2(8), 1, 4, 5, mode="same", dtype=np.float64, rng=0)
group = nn.GroupConv(SE2(8), 4, 4, 5, mode="same", dtype=np.float64, rng=1)
y = group(np.maximum(lift(image[None, None]), 0))
print("lifted and group-correlated:", y.shape)

# the first kernel turned to the 8 angles: rows of the bank (C_out N, k, k, C_in)
turned = lift.bank.expand(lift.params["weight"])
fig, axes = plt.subplots(1, 8, figsize=(12, 1.8))
for r, ax in enumerate(axes):
    ax.imshow(turned[r, :, :, 0], cmap="RdBu_r")
    ax.set_title(f"θ = {r * 45}°", fontsize=9)
    ax.axis("off")
plt.show()

# %% [markdown]
# **Exercise 4.1.** A rotation of the input by θ can be matched exactly only when θ maps the
# pixel grid onto itself (a multiple of 90°) *and* is one of the group's angles (a multiple of
# 360°/N). Write `exact_angles(n)`: the angles in [0, 360) that are both.

# %%
def exact_angles(n: int) -> list[int]:
    # BEGIN SOLUTION: Exercise 4.1: the multiples of 90 in [0, 360) that are multiples of 360 / n
    return [a for a in range(0, 360, 90) if (a * n) % 360 == 0]
    # END SOLUTION


for n in (4, 6, 8, 16):
    print(f"N = {n:>2}: exact at {exact_angles(n)}")
assert exact_angles(8) == [0, 90, 180, 270] and exact_angles(6) == [0, 180]

# %% [markdown]
# ## 2. Equivariance error against angle, N = 4, 8, 16
#
# For random three-layer SE(2)_N networks (with a projection over θ at the end), measure
# || φ(L_θ f) - L_θ φ(f) || / || L_θ φ(f) || inside a central disk that the networks' receptive
# field keeps away from the border, for θ from 0° to 360°. The dashed line is what turning the
# input alone and back costs: the interpolation itself.

# %%
angles = np.arange(0, 361, 15)
radius = image.shape[0] / 2 - 3 * 2 - 2
curves = {n: eq.rotation_curve(eq.se2_network(n), image, angles, radius) for n in (4, 8, 16)}
alone = eq.interpolation_curve(image, angles, radius)

fig, ax = plt.subplots(figsize=(8, 3.5))
for n, errors in curves.items():
    ax.plot(angles, errors, marker=".", label=f"N = {n}")
ax.plot(angles, alone, "k--", lw=1, label="turning the input alone and back")
ax.set_xticks(range(0, 361, 45))
ax.set_xlabel("input rotation (degrees)")
ax.set_ylabel("relative L2 error")
ax.legend(fontsize=8)
plt.show()

print("angle   " + "  ".join(f"N = {n:<4}" for n in curves))
for i, a in enumerate(angles):
    if a % 45 == 0:
        print(f"{a:>5}°  " + "  ".join(f"{curves[n][i]:.4f}" for n in curves))

# %% [markdown]
# **Why only 90° is exact.** At a multiple of 90° the pixel grid maps onto itself: the input is
# permuted, not interpolated, and when N is divisible by 4 the kernels of orientations
# r + N/4 are those of r composed with the exact quarter-turn permutation. So the output is
# permuted in exactly the same way (errors of about 1e-16). At 45° the kernels of N = 8 and 16
# are *interpolated copies*, and the rotated input is interpolated too: the error is that of
# the interpolation, and it does not vanish. Larger N lowers the error between the group's
# angles, not at them.

# %%
for n, errors in curves.items():
    at_90 = max(errors[i] for i, a in enumerate(angles) if a % 90 == 0)
    print(f"N = {n:>2}: largest error at multiples of 90°: {at_90:.1e};"
          f" largest elsewhere: {errors.max():.3f}")

# %% [markdown]
# ## 3. The scale-translation group
#
# Scales s = 2^i act on kernels by k_s(x) = k(x / s) / s². A lifting correlation over scales
# answers each structure at the scale that fits it. Here: discs of radius 2, 4 and 8 pixels,
# and a centre-surround kernel.

# %%
size, radii = 72, (2.0, 4.0, 8.0)
yy, xx = np.mgrid[0:size, 0:size]
centres = [(size * (i + 0.6) / 3.2,) * 2 for i in range(3)]
discs = sum(np.clip(r + 0.5 - np.hypot(yy - c[0], xx - c[1]), 0, 1) for r, c in zip(radii, centres))

c = np.arange(5) - 2
rr = c[:, None] ** 2 + c[None, :] ** 2
blob = np.exp(-rr / 1.0) - 0.45 * np.exp(-rr / 3.0)
blob -= blob.mean()
scales = ScaleTranslation(2.0, n_scales=4, scale_extent=1)
responses = groupconv.lifting_correlation(discs[None, None], blob[None, None], scales,
                                          mode="same")[0, 0]
print("responses:", responses.shape, "(scale, H, W)")

fig, axes = plt.subplots(1, 5, figsize=(13, 2.8))
axes[0].imshow(discs, cmap="gray")
axes[0].set_title("discs of radius 2, 4, 8")
for i in range(4):
    axes[i + 1].imshow(responses[i], cmap="RdBu_r")
    axes[i + 1].set_title(f"scale s = {2 ** i}")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# **Exercise 4.2.** For each disc, find the scale index at which the response at its centre is
# largest. Expect larger discs to answer at larger scales.

# %%
def best_scales(responses, centres):
    # BEGIN SOLUTION: Exercise 4.2: per centre (row, col), rounded: the argmax over scales there
    return [int(np.argmax(responses[:, int(round(r)), int(round(c))])) for r, c in centres]
    # END SOLUTION


best = best_scales(responses, centres)
for r, b in zip(radii, best):
    print(f"disc of radius {r:g}: strongest at scale s = {2 ** b}")
assert best == sorted(best) and best[0] < best[-1]

# %% [markdown]
# Scaling, like rotating by 45°, is exact only where the grid maps onto itself; a scale
# factor of 2 does not (it merges pixels), so the scale-translation layers are approximately
# equivariant, with the error measured in docs/lecture_groups.md.
