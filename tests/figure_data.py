"""What a figure draws, as arrays: the images and line data handed to matplotlib, axes by axes.
Comparing these is exact and independent of the matplotlib version and its font rendering.

    python tests/figure_data.py     # rewrites tests/data/figure_data.npz from groupconv.viz
"""

import pathlib

import numpy as np

DATA = pathlib.Path(__file__).parent / "data" / "figure_data.npz"


def drawn(fig) -> dict[str, np.ndarray]:
    """Every image array, line's (x, y) data and collection's colour values of a Figure, keyed
    "<axes>.<kind><index>"."""
    out = {}
    for a, ax in enumerate(fig.axes):
        for i, image in enumerate(ax.images):
            out[f"{a}.image{i}"] = np.ma.filled(np.ma.asarray(image.get_array(), dtype=float),
                                                np.nan)
        for i, line in enumerate(ax.lines):
            out[f"{a}.line{i}"] = np.asarray(line.get_xydata(), dtype=float)
        for i, collection in enumerate(ax.collections):   # hexagonal cells, motifs
            values = collection.get_array()
            if values is not None:
                out[f"{a}.collection{i}"] = np.ma.filled(np.ma.asarray(values, dtype=float),
                                                         np.nan)
    return out


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from groupconv import viz

    arrays = {}
    for name, make in viz.FIGURES.items():
        arrays.update({f"{name}/{key}": value for key, value in drawn(make()).items()})
    np.savez_compressed(DATA, **arrays)
    print(f"{len(arrays)} arrays written to {DATA}")


if __name__ == "__main__":
    main()
