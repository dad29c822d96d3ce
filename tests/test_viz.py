"""Figures: every function runs on small inputs, the pictures show what they claim, the
committed PNGs are what the code draws, and the CLI writes them."""

import functools
import pathlib

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.testing.compare import compare_images  # noqa: E402

import groupconv  # noqa: E402
from groupconv import P4M, cli, get_group, lifting_correlation, viz  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SMALL = np.random.default_rng(0).random((16, 16))
# RMS difference allowed, on 0..255: font rasterisation and antialiasing differ a little between
# machines and FreeType builds; a moved panel, label or colour scale measures far more.
TOLERANCE = 6.0
#: The matplotlib release that drew the committed PNGs: pixels are compared only under it
#: (another release renders text differently); what is drawn is compared under every release.
PNG_MATPLOTLIB = "3.11"

SMALL_CALLS = {
    "p4_feature_map": lambda: viz.p4_feature_map(SMALL),
    "p4m_feature_map": lambda: viz.p4m_feature_map(SMALL),
    "p4_filter": viz.p4_filter,
    "p4m_filter": viz.p4m_filter,
    "se2_pipeline": lambda: viz.se2_pipeline(SMALL),
    "boundary_effect": lambda: viz.boundary_effect(SMALL[:12, :12]),
    "equivariance_vs_angle": lambda: viz.equivariance_vs_angle(np.pad(SMALL, 8), step=45),
    "scale_translation": lambda: viz.scale_translation(size=32, n_scales=3),
    "cayley_p4m": viz.cayley_p4m,
    "p6_feature_map": lambda: viz.p6_feature_map(SMALL, size=7),
    "p6_filter": viz.p6_filter,
    "wallpaper_gallery": viz.wallpaper_gallery,
    "cubic_filter": viz.cubic_filter,
    "cubic_feature_map": lambda: viz.cubic_feature_map(size=7),
}


@pytest.mark.parametrize("name", list(viz.FIGURES))
def test_every_figure_runs_on_a_small_input(name, tmp_path):
    fig = SMALL_CALLS[name]()
    assert len(fig.axes) >= 1
    fig.savefig(tmp_path / f"{name}.png", dpi=30)
    assert (tmp_path / f"{name}.png").stat().st_size > 0
    # resized for a page (docs/figures.md): the saved image has the new size, and the
    # constrained layout fits it
    fig.set_size_inches(7, 4)
    fig.savefig(tmp_path / "resized.png", dpi=20)
    assert matplotlib.image.imread(tmp_path / "resized.png").shape[:2] == (80, 140)
    engine = fig.get_layout_engine()
    assert (engine is not None) == (name != "se2_pipeline")


def test_p4_feature_map_shows_each_patch_turning_one_place_along():
    """In the panel of the input turned by 90 degrees, the patch of r is the patch of e of the
    upright input, turned: (L_r f)(r) = f(e) rotated."""
    fig = viz.p4_feature_map(SMALL)
    per_panel = 6  # four patches (in index order), the input, the corner title
    upright = [np.asarray(ax.images[0].get_array()) for ax in fig.axes[:4]]
    turned = [np.asarray(ax.images[0].get_array()) for ax in fig.axes[per_panel:per_panel + 4]]
    for t in range(4):
        assert np.allclose(turned[(t + 1) % 4], np.rot90(upright[t]))


def test_the_cube_figures_show_the_bank_and_the_permuted_channels():
    """The filter figure draws the 24 slices of the P432 bank; in the feature-map figure the
    bars of the turned input are the upright bars, permuted by idx(g^-1 h_t), with the colours
    of the channels they came from."""
    fig = viz.cubic_filter()
    assert len(fig.axes) == 24 and fig.axes[1].get_title().startswith("1: 90°")
    # the first panel names the axes (from a figure author's review: v and w could not be told
    # apart): arrows along (x, y, z) = (v, w, u), each labelled
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["u", "v", "w"]
    arrows = [np.asarray(c.get_segments()) for c in fig.axes[0].collections
              if hasattr(c, "get_segments")]
    assert len(arrows) == 3
    fig = viz.cubic_feature_map(size=7)
    upright = [p.get_height() for p in fig.axes[1].patches]
    turned = [p.get_height() for p in fig.axes[4].patches]
    assert sorted(upright) == pytest.approx(sorted(turned)) and upright != turned
    assert turned[11] == pytest.approx(upright[0])        # g = element 11: the identity's bar
    # and that channel, sliced through the centre (w fixed), is the upright one turned by g
    upright_slice, turned_slice = (np.asarray(fig.axes[i].images[0].get_array()) for i in (2, 5))
    assert np.allclose(turned_slice, np.rot90(upright_slice))
    assert not np.allclose(turned_slice, upright_slice)


def test_the_voxel_drawings_turn_each_way_as_labelled():
    """Drawn into matplotlib's right-handed (x, y, z), element 1 of P432 (90° about u, drawn
    upwards) turns the filter counter-clockwise seen from above: a drawing that mirrored the
    volume would show every turn the other way."""
    drawn = []

    class Axes:                 # records the cubes _voxels draws
        def voxels(self, filled, **style):
            drawn.append(filled)

        def set_axis_off(self):
            pass

        def set_box_aspect(self, aspect):
            pass

    assert groupconv.groups.describe(get_group("P432").stabiliser)[1] == \
        "rotation by 90° about (1, 0, 0)"
    bank = groupconv.filter_bank(viz._chiral_volume(3)[None, None], "P432")[0, :, 0, 0]
    for s in (0, 1):
        viz._voxels(Axes(), bank[s])
    assert np.array_equal(drawn[1], np.rot90(drawn[0], 1, axes=(0, 1)))   # (x, y) -> (-y, x)
    assert not np.array_equal(drawn[1], np.rot90(drawn[0], -1, axes=(0, 1)))


def test_p4m_mirrored_ring_turns_the_other_way():
    """The purple arrows: turning the input by r moves the patch of m r^(j+1) to m r^j. The
    eight planes all differ (from a figure author's review: the Sobel filter is its own
    left-right mirror image, so each mirrored plane repeated a turned one)."""
    maps = viz._p4_maps(SMALL, P4M)
    turned = viz._p4_maps(np.rot90(SMALL), P4M)
    for j in range(4):
        assert np.allclose(turned[4 + j], np.rot90(maps[4 + (j + 1) % 4]))
        assert np.allclose(turned[(j + 1) % 4], np.rot90(maps[j]))
    assert all(not np.allclose(maps[a], maps[b]) for a in range(8) for b in range(a))


def test_a_feature_map_figure_draws_the_authors_own_filter():
    """From a figure author's review: the feature-map figures drew the built-in edge filter
    only. Each patch is the lifting correlation with the given kernel; a bad one is refused."""
    kernel = np.arange(9.0).reshape(3, 3) - 4
    fig = viz.p4m_feature_map(SMALL, kernel=kernel)
    expected = lifting_correlation(SMALL[None], kernel[None, None], P4M, mode="same")[0]
    assert all(np.array_equal(np.asarray(fig.axes[s].images[0].get_array()), expected[s])
               for s in range(8))
    fig = viz.p4_feature_map(SMALL, kernel=kernel[:2, :2])
    assert np.array_equal(np.asarray(fig.axes[0].images[0].get_array()),
                          lifting_correlation(SMALL[None], kernel[None, None, :2, :2], "p4",
                                              mode="same")[0, 0])
    for bad in (np.ones((3, 2)), np.ones(3), np.full((3, 3), np.nan), np.ones((17, 17))):
        with pytest.raises(ValueError, match="kernel must"):
            viz.p4_feature_map(SMALL, kernel=bad)


def test_the_feature_map_figures_show_their_filter_and_a_colour_scale():
    """From a figure author's review: the title said "edge filter" whatever filter was drawn,
    the filter was not shown, and no colour bar said what the colours meant (a filter that
    does not sum to zero saturated every patch alike, at a fixed 60% clip)."""
    kernel = np.ones((5, 5)) * np.arange(5)
    for make, default in ((viz.p4_feature_map, viz.EDGE), (viz.p4m_feature_map,
                                                             viz.EDGE_CHIRAL)):
        for given, clip in ((None, 0.6), (kernel, 1.0), (kernel, 0.25)):
            fig = make(SMALL, kernel=given, clip=clip)
            shown = [ax for ax in fig.axes if ax.get_title() == "filter ψ"]
            assert len(shown) == 1
            assert np.array_equal(shown[0].images[0].get_array(),
                                  default if given is None else kernel)
            bar = fig.axes[-1]
            assert bar.get_ylabel().startswith("response")
            group = P4M if make is viz.p4m_feature_map else groupconv.get_group("p4")
            largest = np.abs(viz._p4_maps(SMALL, group, given)).max()
            low, high = fig.axes[0].images[0].get_clim()
            assert (low, high) == pytest.approx((-clip * largest, clip * largest))
            title = fig.get_suptitle()
            if make is viz.p4_feature_map:
                assert ("edge filter" in title) == (given is None), title
    for bad, error in ((0, ValueError), (1.5, ValueError), ("0.6", TypeError)):
        with pytest.raises(error, match="clip must be"):
            viz.p4_feature_map(SMALL, clip=bad)


def test_the_cube_filter_figure_draws_any_group_on_z3():
    """Each panel is one slice of the group's filter bank, labelled with its element."""
    drawn = []
    original = viz._voxels

    def record(ax, volume, title=None, **style):
        drawn.append((volume, title))
        original(ax, volume, title, **style)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(viz, "_voxels", record)
        fig = viz.cubic_filter("Pm-3m")
    group = get_group("Pm-3m")
    bank = groupconv.filter_bank(viz._chiral_volume(3)[None, None], group)[0, :, 0, 0]
    assert len(drawn) == len(fig.axes) == 48
    assert all(np.array_equal(v, bank[s]) for s, (v, _) in enumerate(drawn))
    assert drawn[47][1].startswith("47: mirror")
    with pytest.raises(ValueError, match="group must be a group on Z\\^3.*got P4"):
        viz.cubic_filter("p4")


def test_the_cube_feature_map_labels_each_bar_with_its_upright_channel():
    fig = viz.cubic_feature_map(size=8)
    group = get_group("P432")
    g = 11
    labels = [t.get_text() for t in fig.axes[4].texts]
    assert labels == [str(int(c)) for c in group.relative(g, np.arange(24))]
    # an even box has no centre: the slice is named by its index
    assert fig.axes[2].get_title().endswith("slice w = 4") and "centre" not in \
        fig.axes[5].get_title()


def test_the_arrows_are_clear_of_the_patches_and_their_titles():
    """From a figure author's review: p6's arrows ran under the patches (their heads hidden),
    and the p4 cross's arrows landed on the patches' titles (top centre)."""
    from matplotlib.patches import ConnectionPatch, FancyArrowPatch
    fig = viz.p6_feature_map(SMALL, size=7)
    for ax in fig.axes[:2]:
        arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
        assert len(arrows) == 6
        assert min(a.get_zorder() for a in arrows) > max(c.get_zorder() for c in ax.collections)
    fig = viz.p4_feature_map(SMALL)
    ends = [(a.xy1, a.xy2) for a in fig.artists if isinstance(a, ConnectionPatch)]
    assert len(ends) == 16 and all(tuple(e) != (0.5, 1.0) for pair in ends for e in pair)


def _hexagon_cells(n):
    """Axial coordinates (u, v) of the hexagon's cells, in the row-major order of the array."""
    r = n // 2
    return [(u, v) for u in range(-r, r + 1) for v in range(-r, r + 1)
            if max(abs(u), abs(v), abs(u + v)) <= r]


def test_p6_feature_map_patches_turn_and_move_one_place_along():
    """Panel 2 (input turned by 60 degrees): its patch r^(t+1) is panel 1's patch r^t with every
    cell moved by the 60-degree rotation (u, v) -> (-v, u + v), written out here by hand."""
    n = 7
    fig = viz.p6_feature_map(SMALL, size=n)
    cells = _hexagon_cells(n)
    where = {c: i for i, c in enumerate(cells)}
    panels = [[np.asarray(c.get_array()) for c in ax.collections[:7]] for ax in fig.axes[:2]]
    (x0, *maps0), (x1, *maps1) = panels
    assert len(x0) == len(cells) == 37

    def turned(values):
        out = np.empty_like(values)
        for (u, v), value in zip(cells, values):
            out[where[(-v, u + v)]] = value
        return out

    assert np.array_equal(x1, turned(x0))
    for t in range(6):
        assert np.allclose(maps1[(t + 1) % 6], turned(maps0[t]), rtol=0, atol=1e-12)


def test_wallpaper_gallery_has_every_group_with_its_point_group_order():
    fig = viz.wallpaper_gallery()
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 13
    for ax, order in zip(fig.axes, [1, 2, 2, 2, 4, 4, 4, 8, 3, 6, 6, 6, 12]):
        colours = np.asarray(ax.collections[0].get_array())
        assert len(set(colours.tolist())) == order and f"|H| = {order}" in ax.get_title()


def test_the_gallery_motifs_never_overlap():
    """From a figure author's review: in p6m, p3m1 and p31m (and cmm) the motif's images under
    the point group overlapped one another. No two polygons drawn intersect (matplotlib's
    path intersection, filled, on every pair whose vertices come near enough)."""
    fig = viz.wallpaper_gallery()
    for ax in fig.axes[:13]:
        paths = ax.collections[0].get_paths()
        centres = np.array([p.vertices.mean(axis=0) for p in paths])
        radii = np.array([np.linalg.norm(p.vertices - c, axis=1).max()
                          for p, c in zip(paths, centres)])
        near = np.linalg.norm(centres[:, None] - centres[None], axis=-1) < \
            radii[:, None] + radii[None]
        for i, j in zip(*np.nonzero(np.triu(near, 1))):
            assert not paths[i].intersects_path(paths[j], filled=True), (ax.get_title(), i, j)
        assert radii.min() > 0.05, ax.get_title()          # and each is still large enough


def test_the_gallery_draws_the_mirror_lines_where_the_group_has_them():
    """From a figure author's review: the docs say pm and cm (pmm and cmm, p3m1 and p31m)
    differ in how their mirrors sit, and no mirror was drawn. Each line drawn is fixed
    pointwise by an element T(t) A of the group (A a reflection of H, t a lattice vector); pm's
    lie halfway between lattice points too, cm's only through them (glides lie between)."""
    from groupconv.groups import WALLPAPER

    fig = viz.wallpaper_gallery()
    for ax, (name, group) in zip(fig.axes, WALLPAPER.items()):
        lines = viz._mirror_lines(group)
        reflections = [a for a in np.asarray(group.stabiliser.matrices)
                       if round(np.linalg.det(a)) == -1]
        assert bool(lines) == bool(reflections), name
        assert sum(line.get_linestyle() == "--" for line in ax.lines) == len(lines), name
        for x0, d in lines:
            t = 2 * x0
            assert np.array_equal(t, np.round(t)), name          # a lattice translation
            assert any(np.allclose(a @ d, d) and np.allclose(a @ x0 + t, x0)
                       for a in reflections), (name, x0, d)
    # pm's mirrors (u -> -u) sit at u = j / 2; cm's (u <-> v) at u - v = j, through lattice
    # points only
    pm = {float(x0[0]) for x0, _ in viz._mirror_lines(WALLPAPER["pm"])}
    cm = {float(x0[0] - x0[1]) for x0, _ in viz._mirror_lines(WALLPAPER["cm"])}
    assert 0.5 in pm and all(o.is_integer() for o in cm), (pm, cm)


def test_boundary_effect_exact_side_is_zero():
    fig = viz.boundary_effect(SMALL[:12, :12])
    cropped, exact = (np.asarray(ax.images[0].get_array()) for ax in fig.axes[1:3])
    assert cropped.max() > 0.1 and exact.max() == 0


@functools.cache
def committed(name: str):
    """The committed figure ``name`` as the code draws it now (default data), drawn once for
    the data test and the pixel test."""
    return viz.FIGURES[name]()


@pytest.mark.parametrize("name", list(viz.FIGURES))
def test_figure_draws_what_was_recorded(name):
    """Under any matplotlib: what each committed figure hands to matplotlib (image arrays with
    their colour maps and limits, lines, cell colours, bars, every title, label and text) equals
    tests/data/figure_data.npz, written by tests/figure_data.py with the committed PNGs."""
    from figure_data import DATA, drawn

    reference = np.load(DATA, allow_pickle=False)
    got = drawn(committed(name))
    expected = {k.split("/", 1)[1]: reference[k] for k in reference.files
                if k.startswith(f"{name}/")}
    assert sorted(got) == sorted(expected)
    for key, value in got.items():
        assert value.shape == expected[key].shape, key
        if value.dtype.kind == "U":
            assert np.array_equal(value, expected[key]), key
            continue
        # float64 sums in another order on another machine: 1e-9 of the data's scale
        scale = max(np.nanmax(np.abs(expected[key]), initial=0.0), 1.0)
        assert np.allclose(value, expected[key], rtol=0, atol=1e-9 * scale, equal_nan=True), key


@pytest.mark.skipif(not matplotlib.__version__.startswith(PNG_MATPLOTLIB + "."),
                    reason=f"pixels are compared under matplotlib {PNG_MATPLOTLIB}, which drew "
                           f"the committed PNGs (another release renders text differently); "
                           f"what is drawn is compared under every release")
@pytest.mark.parametrize("name", list(viz.FIGURES))
def test_committed_png_is_what_the_code_draws(name, tmp_path):
    """Regenerate each committed figure (default data and DPI): its pixels match the PNG."""
    fresh = tmp_path / f"{name}.png"
    committed(name).savefig(fresh, dpi=100, metadata={"Software": None})
    result = compare_images(str(ROOT / "figures" / f"{name}.png"), str(fresh), tol=TOLERANCE)
    assert result is None, result


def test_animation_writes_a_gif(tmp_path):
    path = viz.p4_feature_map_animation(tmp_path / "a.gif", SMALL, dpi=30)
    from PIL import Image

    with Image.open(path) as gif:
        assert gif.n_frames == 12   # four rotations, eight translations
    assert (ROOT / "figures" / "p4_feature_map_animation.gif").stat().st_size > 0


def test_cli_figures(tmp_path, capsys):
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "cayley_p4m",
                     "--dpi", "40"]) == 0
    assert (tmp_path / "cayley_p4m.png").exists()
    assert "cayley_p4m" in capsys.readouterr().out
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "p4_feature_map_animation",
                     "--dpi", "20"]) == 0
    assert [p.name for p in tmp_path.glob("p4_feature*")] == ["p4_feature_map_animation.gif"]
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "nope"]) == 2
    assert "unknown figure 'nope'" in capsys.readouterr().err
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "p4m"]) == 2
    assert "unknown figure 'p4m'; did you mean 'p4m_feature_map' or 'p4m_filter'?" in \
        capsys.readouterr().err


def test_bad_images():
    with pytest.raises(ValueError, match="square 2D array"):
        viz.p4_feature_map(np.zeros((10, 12)))
    with pytest.raises(ValueError, match="unknown figure"):
        viz.save_all(only="nope")
    with pytest.raises(ValueError, match="size must be odd .*got 4"):
        viz.p6_feature_map(SMALL, size=4)
    with pytest.raises(ValueError, match=r"size must be an int in 3\.\.255, got 5000"):
        viz.p6_feature_map(SMALL, size=5000)
    assert viz.p6_feature_map(size=255)            # the largest: 510 of the photograph's 512
    for bad in (np.full((24, 24), np.nan), np.full((24, 24), 1e308)):
        with pytest.raises(ValueError, match="image must hold finite grey values"):
            viz.p4_feature_map(bad)
    with pytest.raises(ValueError, match=r"size must be an int in 8\.\.512, got 3"):
        viz.p4_feature_map(size=3)
    # from a figure author's review: the range said in a TypeError too, what came said, and
    # NumPy integers taken
    with pytest.raises(TypeError, match=r"size must be an int in 8\.\.512, got 48\.0"):
        viz.p4_feature_map(size=48.0)
    with pytest.raises(ValueError, match=r"finite grey values .* got 1e\+200"):
        viz.p4_feature_map(np.full((16, 16), 1e200))
    assert viz.equivariance_vs_angle(size=24, ns=(4,), step=np.int64(90))
    with pytest.raises(ValueError, match=r"step \(degrees\) must be an int in 1\.\.360, got 0"):
        viz.equivariance_vs_angle(step=0)


def test_the_animation_checks_its_path_before_it_draws(tmp_path):
    """Refused before any frame is computed, and no folder is made for a call that fails."""
    with pytest.raises(ValueError, match="image must hold finite grey values"):
        viz.p4_feature_map_animation(tmp_path / "new" / "a.gif", np.full((24, 24), np.nan))
    assert not (tmp_path / "new").exists()
    for path, message in ((tmp_path, "must name a file, got .* \\(a folder\\)"),
                          (tmp_path / "a.mp4", r"must end in \.gif"),
                          (None, "path must be a file path"),
                          ("/dev/null/no/a.gif", "cannot be made or written to")):
        with pytest.raises((ValueError, TypeError), match=message):
            viz.p4_feature_map_animation(path)


def test_the_angle_figure_claims_exactness_at_90_degrees_only_where_n_allows_it():
    title = viz.equivariance_vs_angle(ns=(3, 6), step=90).axes[0].get_title()
    assert "at multiples of 180° for N = 6; only at 0° for N = 3" in title, title
    assert "90°" not in title                   # (a review: "where 4 divides N", none did)
    title = viz.equivariance_vs_angle(ns=(4, 2), step=90).axes[0].get_title()
    assert "at multiples of 90° for N = 4; at multiples of 180° for N = 2" in title, title


def test_figures_say_what_they_show_from_a_figure_authors_review():
    """Angles of 360 / N were rounded down in the labels (22° for 22.5°); a translation that
    cuts nothing off was titled "not equivariant at the border", its zero error drawn in two
    colours; an index was named "ns[i]"; a shift given as an array was refused."""
    titles = [a.get_title() for a in viz.se2_pipeline(n=16).axes]
    assert "k at 22.5°" in titles and "k at 22°" not in titles
    letter = np.zeros((40, 40))
    letter[8:32, 12:16] = letter[8:12, 12:28] = letter[18:22, 12:24] = 1
    fig = viz.boundary_effect(letter, shift=np.array([-4, 6]))
    assert "nothing of f ⋆ ψ crosses the window's border" in fig._suptitle.get_text()
    assert [im.get_clim() for im in fig.axes[1].images + fig.axes[2].images] == [(0, 1.0)] * 2
    assert "not equivariant at the border" in viz.boundary_effect()._suptitle.get_text()
    with pytest.raises(ValueError, match=r"shift\[0\] must be an int in -39\.\.39, got 40"):
        viz.boundary_effect(letter, shift=(40, 0))     # (was titled "nothing crosses")
    with pytest.raises(ValueError, match=r"ns\[1\]"):
        viz.equivariance_vs_angle(ns=(4, 0))
