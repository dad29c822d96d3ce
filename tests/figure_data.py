"""What a figure draws, as arrays: the images, lines and cell colours handed to matplotlib, the
colour scales and the words, axes by axes. Comparing these is exact and independent of the
matplotlib version and its font rendering (pixels are compared only under the release that drew
the committed PNGs).

    python tests/figure_data.py     # rewrites tests/data/figure_data.npz from groupconv.viz
"""

import pathlib

import numpy as np

DATA = pathlib.Path(__file__).parent / "data" / "figure_data.npz"


def _values(values) -> np.ndarray:
    return np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)


def drawn(fig) -> dict[str, np.ndarray]:
    """Every image array with its colour map and limits, line's (x, y) data, collection's colour
    values, bar's height and every text of a Figure, keyed "<axes>.<kind><index>" ("fig.text"
    for the figure's own titles)."""
    out = {}
    suptitle = getattr(fig, "_suptitle", None)          # Figure.get_suptitle: matplotlib 3.8+
    figure_texts = [suptitle.get_text() if suptitle is not None else ""]
    out["fig.text"] = np.array(figure_texts + [t.get_text() for t in fig.texts])
    for a, ax in enumerate(fig.axes):
        for i, image in enumerate(ax.images):
            out[f"{a}.image{i}"] = _values(image.get_array())
            out[f"{a}.image{i}.clim"] = np.array(image.get_clim(), dtype=float)
            out[f"{a}.image{i}.cmap"] = np.array(image.get_cmap().name)
        for i, line in enumerate(ax.lines):
            out[f"{a}.line{i}"] = np.asarray(line.get_xydata(), dtype=float)
        for i, collection in enumerate(ax.collections):   # hexagonal cells, motifs
            values = collection.get_array()
            if values is not None:
                out[f"{a}.collection{i}"] = _values(values)
        heights = [p.get_height() for p in ax.patches if hasattr(p, "get_height")]
        if heights:                                        # bars
            out[f"{a}.bars"] = np.array(heights, dtype=float)
        out[f"{a}.text"] = np.array([ax.get_title(loc) for loc in ("left", "center", "right")]
                                    + [ax.get_xlabel(), ax.get_ylabel()]
                                    + [t.get_text() for t in ax.texts])
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
