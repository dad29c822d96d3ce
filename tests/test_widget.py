"""The paper's interactive p4 widget (groupconv.widget): its frames are exactly L_g of the first;
the Jupyter widget recomputes the picture when its state moves; and the documentation site's
self-contained page, driven in a real browser (Debian's chromium through Playwright), moves the
feature map when the input is dragged and turns and cycles its planes when the input is
clicked."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from groupconv.widget import P4Frames, page_html, write_page


def _expected(frames: P4Frames, r: int, u: int, v: int):
    """L_g of the frame of the identity, computed with NumPy alone."""
    x, maps = frames.frame(0, 0, 0)
    turned = np.roll(np.rot90(maps, r, axes=(-2, -1)), r, axis=0)
    return (np.roll(np.rot90(x, r), (u, v), axis=(0, 1)),
            np.roll(turned, (u, v), axis=(-2, -1)))


@pytest.mark.parametrize("state", [(1, 0, 0), (2, 3, -5), (3, -6, 6), (0, 1, 0)])
def test_every_frame_is_exactly_L_g_of_the_first(state):
    frames = P4Frames()
    x, maps = frames.frame(*state)
    x_expected, maps_expected = _expected(frames, *state)
    assert np.array_equal(x, x_expected)
    assert np.array_equal(maps, maps_expected)   # integer image and filter: exact sums


def test_frames_refuse_bad_input():
    frames = P4Frames(step=2)
    assert frames.reach == 6 and len(frames.states()) == 4 * 49
    with pytest.raises(ValueError, match="r must be 0, 1, 2 or 3"):
        frames.frame(4, 0, 0)
    with pytest.raises(ValueError, match=r"within \+-6"):
        frames.frame(0, 8, 0)
    with pytest.raises(TypeError, match="u must be an int"):
        frames.frame(0, 1.5, 0)
    with pytest.raises(ValueError, match="size must be odd"):
        P4Frames(size=32)
    with pytest.raises(ValueError, match="no room to move"):
        P4Frames(np.ones((30, 30)))
    with pytest.raises(ValueError, match="kernel must be a square 2D array of odd side"):
        P4Frames(kernel=np.ones((2, 2)))
    with pytest.raises(TypeError, match="frames must be a P4Frames"):
        page_html("frames")
    with pytest.raises(TypeError, match="kernel must be real numbers .* complex128"):
        P4Frames(kernel=np.ones((3, 3)) * 1j)          # its imaginary part would be dropped
    with pytest.raises(TypeError, match="image is a masked array"):
        P4Frames(np.ma.masked_array(np.ones((5, 5))))
    with pytest.raises(ValueError, match=r"size must be an int in 1\.\.1023, got 2001"):
        P4Frames(size=2001)
    assert P4Frames(size=np.int64(33)).size == 33
    with pytest.raises(ValueError, match="3849444 frames of"):
        page_html(P4Frames(size=1001))                 # days of work: refused at once
    with pytest.raises(ValueError, match=r"4356 frames of 5,232,645 pixels .* 134,217,728 "
                                         r"pixels in all"):
        page_html(P4Frames(size=1023, step=30))        # few frames, but ten minutes of them
    with pytest.raises(ValueError, match=r"step 7 is larger than the room .* \(6 pixels"):
        P4Frames(step=7)                               # a drag could not move the image
    assert P4Frames(size=21).reach == 0                # no room at all: a page that only turns
    with pytest.raises(ValueError, match="kernel must hold finite values"):
        P4Frames(kernel=np.full((3, 3), np.inf))
    with pytest.raises(ValueError, match="image must hold finite values"):
        P4Frames(np.full((3, 3), np.nan))
    # from a figure author's review: advice that could be followed
    with pytest.raises(ValueError, match="no step fits a window of 901: give a size of at "
                                         "most 863"):
        page_html(P4Frames(np.ones((3, 3)), size=901, step=440))
    with pytest.raises(ValueError, match="a window of 2005, above the largest, 1023: give a "
                                         "smaller image"):
        P4Frames(np.ones((2000, 5)))
    with pytest.raises(ValueError, match=r"give a size of at least 37 \(35 turns the image but "
                                         r"cannot move it\)"):
        P4Frames(np.ones((30, 30)))                    # (a review: 35 was advised, reach 0)
    assert P4Frames(np.ones((30, 30)), size=37).reach == 1
    # read as viz reads them (a review: the widget refused booleans that viz took, and cast
    # longdouble that viz refused)
    assert P4Frames(np.eye(5, dtype=bool)).image.dtype == np.float64
    if np.dtype(np.longdouble).itemsize > 8:          # (it is float64 on some platforms)
        with pytest.raises(TypeError, match="image must be float16, float32 or float64"):
            P4Frames(np.ones((5, 5), np.longdouble))
    assert "(an edge filter, lifted to p4)" in page_html(P4Frames(step=6))
    assert "(the 3 x 3 filter given, lifted to p4)" in page_html(P4Frames(kernel=np.eye(3),
                                                                          step=6))
    for path, message in (("/proc/x.html", "path: cannot write"), (".", "must name a file"),
                          ("page.png", r"path must end in \.html or \.htm, got 'page\.png'")):
        with pytest.raises(ValueError, match=message):
            write_page(path)


def test_the_jupyter_widget_recomputes_its_frame():
    pytest.importorskip("anywidget", reason="the Jupyter widget needs anywidget (labs extra)")
    from groupconv.widget import p4_widget

    widget = p4_widget(scale=4)
    key, first = widget.frame
    assert key == "0,0,0" and first.startswith("data:image/png;base64,")
    widget.state = [1, 2, -3]                    # what the view sends after a drag and a click
    assert widget.frame[0] == "1,2,-3" and widget.frame[1] != first
    assert widget.frame[1] == widget.frames.url(1, 2, -3)
    assert "p4_widget.js" not in widget._esm and "pointerdown" in widget._esm
    import traitlets

    for bad, said in (([0, 10, 0], "must lie within"), ([7, 0, 0], "r must be 0, 1, 2 or 3"),
                      ([1, 2], "state must be")):
        with pytest.raises(traitlets.TraitError, match=said):
            widget.state = bad
    assert widget.state == [1, 2, -3] and widget.frame[0] == "1,2,-3"    # nothing changed


def test_an_image_with_negative_values_is_drawn_in_full():
    """A zero-mean image: its negative half is drawn below mid-grey, not clipped to black."""
    from PIL import Image
    import io

    frames = P4Frames(np.arange(25.0).reshape(5, 5) - 12, size=15)
    tiles = np.asarray(Image.open(io.BytesIO(frames.png(0, 0, 0))))
    window = tiles[:, :15][5:10, 5:10]
    assert len(np.unique(window)) == 25          # every grey level distinct, the negatives too


# ------------------------------------------------------------------ in a real browser
def _browser():
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the browser test needs playwright (test extra)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("the browser test needs chromium (apt-get install chromium)")
    return sync_api, chromium


def _launch(sync_api, playwright, chromium):
    """The system's chromium under playwright, or a skip where that browser does not start
    (a distribution's build playwright cannot drive: the machine's, not the widget's)."""
    try:
        return playwright.chromium.launch(executable_path=chromium)
    except sync_api.Error as error:
        pytest.skip(f"chromium ({chromium}) did not start under playwright: {error}"[:300])


_PIXELS = """() => [...document.querySelectorAll("canvas")].map(c =>
    Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data))"""


def _tiles(page, size: int) -> np.ndarray:
    """The five canvases' pixels (input, e, r, r², r³) as RGB arrays (5, size, size, 3)."""
    return np.array(page.evaluate(_PIXELS), np.uint8).reshape(5, size, size, 4)[..., :3]


#: The view as Jupyter runs it (anywidget's render), with a stand-in for the model: the frame for
#: each state the view sends comes back a moment later, as it would from Python.
_HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div id="w"></div>
<script type="module">
{script}
const data = {data};
const initial = "{initial}";
const values = {{size: data.size, scale: data.scale, step: data.step, reach: data.reach,
                 state: initial.split(",").map(Number), frame: [initial, data.frames[initial]]}};
const listeners = {{}};
const model = {{
  get: (key) => values[key],
  set: (key, value) => {{ values[key] = value; }},
  on: (event, callback) => {{ listeners[event] = callback; }},
  save_changes: () => {{
    const key = values.state.join(",");
    setTimeout(() => {{ values.frame = [key, data.frames[key]]; listeners["change:frame"](); }},
               5);
  }},
}};
// what `widget.state = [r, u, v]` in the kernel does: the state and its frame change
window.pythonSets = (key) => {{
  values.state = key.split(",").map(Number);
  values.frame = [key, data.frames[key]];
  if (listeners["change:state"]) listeners["change:state"]();
  listeners["change:frame"]();
}};
anywidgetView.render({{model, el: document.getElementById("w")}});
</script></body></html>"""


@pytest.mark.slow
def test_the_widget_fits_a_narrow_page_and_drags_at_its_drawn_scale(tmp_path):
    """From a figure author's review: below 560 px the page scrolled sideways. The tiles now
    shrink with the page, and a drag moves the image by the pixels it crosses as drawn."""
    sync_api, chromium = _browser()
    frames = P4Frames(step=2)
    path = write_page(tmp_path / "p4_widget.html", frames, scale=8)     # 3 x 264 px wide
    with sync_api.sync_playwright() as playwright:
        browser = _launch(sync_api, playwright, chromium)
        try:
            page = browser.new_page(viewport={"width": 420, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_selector('.p4w[data-drawn="0,0,0"]', timeout=20_000)
            assert page.evaluate("document.documentElement.scrollWidth") <= 420
            box = page.locator("canvas.p4w-input").bounding_box()
            shown = (box["width"] - 2) / frames.size       # less its 1 px border on each side
            assert shown < 8                                # shrunk to fit
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(cx, cy)
            page.mouse.down()
            for dx in (5, 4 * shown):                       # 4 image pixels as drawn
                page.mouse.move(cx + dx, cy)
            page.mouse.up()
            page.wait_for_selector('.p4w[data-drawn="0,0,4"]', timeout=20_000)
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.parametrize("view", ["docs page", "anywidget view"])
def test_the_widget_moves_and_turns_the_feature_map_in_a_browser(view, tmp_path):
    from groupconv import widget

    sync_api, chromium = _browser()
    frames = P4Frames(step=2)
    scale = 5
    if view == "docs page":
        path = write_page(tmp_path / "p4_widget.html", frames, scale=scale)
    else:
        path = tmp_path / "harness.html"
        path.write_text(_HARNESS.format(script=widget._static_script(), initial="0,0,0",
                                        data=json.dumps(widget._page_data(frames, scale))))
    size = frames.size
    with sync_api.sync_playwright() as playwright:
        browser = _launch(sync_api, playwright, chromium)
        try:
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(path.as_uri())
            root = page.locator(".p4w")

            def drawn(key: str) -> np.ndarray:
                page.wait_for_selector(f'.p4w[data-drawn="{key}"]', timeout=20_000)
                return _tiles(page, size)

            start = drawn("0,0,0")
            # the colours show the feature map: the planes are not blank and not all alike
            assert len({tile.tobytes() for tile in start}) == 5
            box = page.locator("canvas.p4w-input").bounding_box()
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

            # drag right by 2 image pixels: input and every plane move 2 columns right
            page.mouse.move(cx, cy)
            page.mouse.down()
            for dx in (3, 6, 2 * scale):
                page.mouse.move(cx + dx, cy)
            page.mouse.up()
            moved = drawn("0,0,2")
            assert root.get_attribute("data-state") == "0,0,2"
            assert np.array_equal(moved, np.roll(start, 2, axis=2))
            assert not np.array_equal(moved, start)

            # click (press and release in place): the input turns counter-clockwise; each plane
            # is the previous plane before it in e -> r -> r² -> r³ -> e, turned
            page.mouse.click(cx, cy)
            turned = drawn("1,-2,0")                 # (1, 0) (0, (0, 2)) = (1, (-2, 0))
            assert np.array_equal(turned[0], np.rot90(moved[0]))
            for s in range(4):
                assert np.array_equal(turned[1 + s], np.rot90(moved[1 + (s - 1) % 4]))

            # drag down by 4 pixels, then four clicks bring the rotation back round
            page.mouse.move(cx, cy)
            page.mouse.down()
            page.mouse.move(cx, cy + 5)
            page.mouse.move(cx, cy + 4 * scale)
            page.mouse.up()
            down = drawn("1,2,0")
            assert np.array_equal(down, np.roll(turned, 4, axis=1))
            state, before = (1, 2, 0), down
            for _ in range(4):
                page.mouse.click(cx, cy)
                r, u, v = state
                state = ((r + 1) % 4, -v, u)
                after = drawn(",".join(map(str, state)))
                assert np.array_equal(after[0], np.rot90(before[0]))
                assert all(np.array_equal(after[1 + s], np.rot90(before[1 + (s - 1) % 4]))
                           for s in range(4))
                before = after
            assert state == (1, 2, 0) and np.array_equal(before, down)

            # reset returns to the first frame
            page.get_by_role("button", name="reset").click()
            assert np.array_equal(drawn("0,0,0"), start)
            page.locator("canvas.p4w-input").scroll_into_view_if_needed()  # the button scrolled
            box = page.locator("canvas.p4w-input").bounding_box()
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            # a click gives the input the keyboard's focus, away from the reset button (from a
            # figure author's review: the keys did nothing after a click); Escape then resets
            assert page.evaluate("document.activeElement.dataset.tile") != "input"
            page.mouse.click(cx, cy)
            drawn("1,0,0")
            assert page.evaluate("document.activeElement.dataset.tile") == "input"
            page.keyboard.press("Escape")
            drawn("0,0,0")
            # a right-click does not turn the image
            page.mouse.click(cx, cy, button="right")
            page.wait_for_timeout(100)
            assert root.get_attribute("data-state") == "0,0,0"
            # the keyboard: the input is in the tab order (just before reset); arrows move it by
            # a step, Enter and R turn it, Escape resets; the status line is announced
            page.get_by_role("button", name="reset").focus()
            page.keyboard.press("Shift+Tab")
            assert page.evaluate("document.activeElement.dataset.tile") == "input"
            assert page.locator(".p4w-status").get_attribute("aria-live") == "polite"
            page.keyboard.press("ArrowRight")
            assert np.array_equal(drawn("0,0,2"), moved)
            page.keyboard.press("ArrowUp")
            assert np.array_equal(drawn("0,-2,2"), np.roll(moved, -2, axis=1))
            page.keyboard.press("Enter")
            keyed = drawn("1,-2,-2")                 # (1, 0) (0, (-2, 2)) = (1, (-2, -2))
            assert np.array_equal(keyed[0], np.rot90(np.roll(moved[0], -2, axis=0)))
            page.keyboard.press("r")
            drawn("2,2,-2")
            page.keyboard.press("Escape")
            assert np.array_equal(drawn("0,0,0"), start)
            if view == "anywidget view":
                # a state set from Python is followed, and the next click starts from it
                page.evaluate('window.pythonSets("1,0,2")')
                followed = drawn("1,0,2")
                # g = (1, 0, 2) = T(0, 2) R: turned, then moved two columns right
                assert np.array_equal(followed[0], np.roll(np.rot90(start[0]), 2, axis=1))
                page.mouse.click(cx, cy)
                drawn("2,-2,0")                      # (1, 0) (1, (0, 2)) = (2, (-2, 0))
            assert errors == []
        finally:
            browser.close()
