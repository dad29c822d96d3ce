"""3D Tetris: a plain 3D CNN (Z^3) against an O-CNN (the cube's 24 rotations), trained on upright
shapes only and tested under every rotation of the cube.

    python examples/tetris3d.py [--epochs 30] [--seed 0] [--size 9] [--smoke]

The data are the eight four-voxel shapes of Thomas et al.'s tensor field networks (2018; "3D
Tetris"): the two chiral shapes, the square, the line, the corner, the L, the T and the zigzag,
generated here (no download). Each is drawn as four unit voxels in a volume of side ``size``
(odd, so that the cube's rotations about the centre map voxels to voxels). Training: every shape
upright, at every translation that keeps it inside a central 5^3 region (with a little noise),
so that both networks can learn translation, neither sees a rotation. Test: every shape, centred,
upright and turned by each of the cube's 24 rotations. Both networks are
``groupconv.nn.voxel_gcnn`` (three 3 x 3 x 3 layers, batch normalisation, ReLU, projection, global
mean, linear) with matched parameter counts: 24 channels for the Z^3 CNN, 5 per orientation for
the O-CNN.

The O-CNN's logits are exactly invariant to the 24 rotations (every layer is exactly
equivariant on the cubic grid): its accuracy is the same under every rotation, to the digit.
The plain CNN's is not. O contains rotations only, so the two chiral shapes, mirror images of
each other, stay apart.
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np

from groupconv import nn, transform
from groupconv.groups import get_group

#: The eight shapes of 3D Tetris (Thomas et al. 2018), as voxel coordinates.
SHAPES = {
    "chiral 1": [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 1, 0)],
    "chiral 2": [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, -1, 0)],
    "square": [(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0)],
    "line": [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 0, 3)],
    "corner": [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)],
    "L": [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 0)],
    "T": [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 1)],
    "zigzag": [(0, 0, 0), (0, 1, 0), (1, 1, 0), (1, 2, 0)],
}


def voxels(shape: list[tuple[int, int, int]], size: int, offset: np.ndarray) -> np.ndarray:
    """A (size, size, size) volume with the shape's voxels set to 1, moved by ``offset``."""
    volume = np.zeros((size,) * 3, np.float32)
    points = np.array(shape) - np.array(shape).min(axis=0) + offset
    volume[tuple(points.T)] = 1.0
    return volume


def centred(shape, size: int) -> np.ndarray:
    extent = np.array(shape).max(axis=0) - np.array(shape).min(axis=0)
    return voxels(shape, size, (size - 1 - extent) // 2)


def training_set(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every shape, upright, at every translation inside a central 5^3 region, plus noise."""
    images, labels = [], []
    lo = (size - 5) // 2
    for label, shape in enumerate(SHAPES.values()):
        extent = np.array(shape).max(axis=0) - np.array(shape).min(axis=0)
        ranges = [range(lo, lo + 5 - e) for e in extent]
        for offset in itertools.product(*ranges):
            images.append(voxels(shape, size, np.array(offset)))
            labels.append(label)
    x = np.stack(images)[:, None]
    x += 0.05 * rng.standard_normal(x.shape).astype(np.float32)
    return x, np.array(labels)


def test_sets(size: int) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """The centred shapes, upright, and under each of the cube's 24 rotations."""
    upright = np.stack([centred(s, size) for s in SHAPES.values()])[:, None]
    rotations = [transform(upright, h) for h in get_group("P432").point_elements()]
    return upright, rotations, np.arange(len(SHAPES))


def train(group: str, width: int, x, y, epochs: int, seed: int, size: int):
    net = nn.voxel_gcnn(group, width, n_classes=len(SHAPES), input_size=size, rng=seed)
    nn.fit(net, x, y, epochs=epochs, batch_size=16, seed=seed,
           optimizer=nn.Adam(net.params, lr=3e-3), progress=False)
    return net


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=9, help="the volumes' side (odd, >= 7)")
    parser.add_argument("--smoke", action="store_true", help="a few steps, for the tests")
    args = parser.parse_args(argv)
    if args.size < 7 or args.size % 2 == 0:
        parser.error(f"--size takes an odd side of 7 or more, got {args.size}")
    if args.epochs < 1:
        parser.error(f"--epochs takes a positive number, got {args.epochs}")
    epochs = 1 if args.smoke else args.epochs
    rng = np.random.default_rng(args.seed)
    x, y = training_set(args.size, rng)
    upright, rotated, labels = test_sets(args.size)
    rows = []
    for name, group, width in (("Z3 CNN", "z3", 24), ("O-CNN", "P432", 5)):
        net = train(group, width, x, y, epochs, args.seed, args.size)
        per_rotation = [nn.accuracy(net, r, labels) for r in rotated]
        rows.append({"network": name, "parameters": net.n_parameters,
                     "upright": nn.accuracy(net, upright, labels),
                     "rotations": per_rotation, "mean": float(np.mean(per_rotation)),
                     "min": float(np.min(per_rotation))})
    print(f"{'network':<8} {'params':>7} {'upright':>8} {'24 rotations: mean':>19} {'min':>6}")
    for r in rows:
        print(f"{r['network']:<8} {r['parameters']:>7} {r['upright']:>8.3f} {r['mean']:>19.3f} "
              f"{r['min']:>6.3f}")
    print("accuracy under each of the 24 rotations (the order of P432's elements):")
    for r in rows:
        print(f"  {r['network']:<8} " + " ".join(f"{a:.2f}" for a in r["rotations"]))
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
