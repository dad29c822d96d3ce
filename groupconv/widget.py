"""The paper's interactive p4 feature map: drag the input image to translate it, click it to turn
it by a quarter turn, and watch the p4 feature map move with it while its four orientation planes
turn and cycle, e -> r -> r² -> r³ -> e (Cohen & Welling 2016, Figure 1, as a widget).

Every picture is computed by groupconv: the input shown is L_g f for the group element
g = (r, u, v) of p4 that the drags and clicks have built (``feature_maps.L``, exact, on a fixed
window of zeros around the image), and the planes are the lifting correlation of that input with
an edge filter (``lifting_correlation``, 'same'). Because the image never reaches the window's
border, what is shown is L_g of the feature map of the untouched image: exactly for integer data
(the default: grey levels 0..255 and an integer filter), to float64 rounding (1e-15) otherwise,
where the sums of a turned image come in another order. A click turns the image about the
window's centre, the origin of g: an image moved away from it moves as it turns.

    P4Frames      the frames: input and feature map for any g, as arrays or as one PNG
    p4_widget     the live widget in Jupyter (anywidget): Python computes each frame as the
                  input moves
    page_html     a self-contained page (no server, works offline) whose frames are all
    write_page    precomputed, for the documentation site
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import pathlib
from functools import cache
from typing import Any

import numpy as np

from .arguments import integer, output_file
from .fast.correlate import lifting_correlation
from .fast.validation import real_numpy
from .feature_maps import FeatureMap, L
from .groups import P4, Z2
from .images import grace_hopper

__all__ = ["P4Frames", "p4_widget", "page_html", "write_page"]

_STATIC = pathlib.Path(__file__).resolve().parent / "static"
#: A dark-to-light edge filter (Sobel): responds where the image gets brighter downwards.
#: The largest window side (pixels) and the most frames a static page holds (each frame is a
#: few kB of PNG, computed in milliseconds), and the most pixels of all its frames together
#: (measured: 40 M pixels a second to compute and encode; this is about 3 s).
MAX_SIZE = 1023
MAX_PAGE_FRAMES = 4 * 41**2
MAX_PAGE_PIXELS = 2**27

EDGE = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])


def _colours(name: str, n: int) -> np.ndarray:
    from matplotlib import colormaps

    return np.rint(colormaps[name](np.linspace(0.0, 1.0, n))[:, :3] * 255).astype(np.uint8)


class P4Frames:
    """The widget's frames: for g = (r, u, v) in p4, the input L_g f on a window of ``size`` x
    ``size`` pixels centred on the origin, and the four planes of its p4 feature map.

    Parameters
    ----------
    image : 2D array, optional
        The grey image f (default: the grace_hopper photograph, 17 x 17, grey levels
        0..255: with the integer edge filter every value is an exact integer).
    kernel : 2D array, optional
        The filter of the lifting correlation (default: a dark-to-light edge filter, 3 x 3).
    size : int
        The window's side, odd (default 33).
    step : int
        The translation step of a drag, in pixels (default 1).

    Attributes
    ----------
    reach : int
        The largest |u| and |v|: the image and its feature map stay inside the window (one
        pixel from its border), so that every frame is L_g of the first (exactly for integer
        data; to rounding otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv.widget import P4Frames
    >>> frames = P4Frames()
    >>> x, maps = frames.frame(0, 0, 0)
    >>> x2, maps2 = frames.frame(1, 0, 0)
    >>> np.array_equal(maps2[1], np.rot90(maps[0])), frames.reach
    (True, 6)
    """

    def __init__(self, image: Any = None, kernel: Any = None, *, size: int = 33,
                 step: int = 1):
        if image is None:   # grey levels 0..255: integer sums, so every frame is exact
            image = np.rint(grace_hopper(17) * 255)
        image = real_numpy(image, "image")
        if image.ndim != 2 or min(image.shape) < 1:
            raise ValueError(f"image must be a 2D array, got shape {image.shape}")
        kernel = EDGE if kernel is None else real_numpy(kernel, "kernel")
        if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.shape[0] % 2 == 0:
            raise ValueError(f"kernel must be a square 2D array of odd side, got shape "
                             f"{kernel.shape}")
        for name, values in (("image", image), ("kernel", kernel)):
            if not np.all(np.abs(values) <= 1e150):                               # NaN too
                raise ValueError(f"{name} must hold finite values, at most 1e150 in size (the "
                                 f"products of image and kernel must not overflow)")
        size, step = integer(size, "size", 1, MAX_SIZE), integer(step, "step", 1, MAX_SIZE)
        if size % 2 == 0:
            raise ValueError(f"size must be odd (the window is centred on a pixel), got {size}")
        self.image, self.kernel, self.size, self.step = image, kernel, size, step
        self._base = FeatureMap(Z2, image[None], origin="centre")
        half = (size - 1) // 2
        # the image turned any way lies within +-extent of the origin; the feature map reaches
        # k // 2 further; one pixel is left free at the border
        extent = max(max(n - 1 - n // 2, n // 2) for n in image.shape)
        room = half - extent - kernel.shape[0] // 2 - 1
        if room < 0:
            least = 2 * (extent + kernel.shape[0] // 2 + 1) + 1
            moving = least + 2 * step
            raise ValueError(f"the image ({image.shape[0]} x {image.shape[1]}) and the kernel "
                             f"leave no room to move in a window of {size} x {size}: "
                             + (f"give a size of at least {moving} ({least} turns the image "
                                f"but cannot move it)" if moving <= MAX_SIZE else
                                f"give a size of {least} (which turns the image but cannot "
                                f"move it)" if least <= MAX_SIZE else
                                f"they need a window of {least}, above the largest, {MAX_SIZE}:"
                                f" give a smaller image"))
        self.reach = room - room % step
        if 0 < room < step:       # (no room at all: a page that only turns the image)
            raise ValueError(f"step {step} is larger than the room the window leaves to move "
                             f"in ({room} pixels each way): a drag could not move the image; "
                             f"give a step of at most {room}, or a larger size")
        self._window = ((-half, -half), (half, half))
        maps = self.frame(0, 0, 0)[1]
        self.limit = float(np.abs(maps).max()) or 1.0
        self.top = float(max(np.abs(image).max(), 1e-12))
        self.signed = bool(image.min() < 0)

    def _check(self, r: Any, u: Any, v: Any) -> tuple[int, int, int]:
        for name, value in (("r", r), ("u", u), ("v", v)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {value!r}")
        if not 0 <= r <= 3:
            raise ValueError(f"r must be 0, 1, 2 or 3 (quarter turns), got {r}")
        if max(abs(u), abs(v)) > self.reach:
            raise ValueError(f"(u, v) must lie within +-{self.reach} (the image stays inside "
                             f"the window), got ({u}, {v})")
        return int(r), int(u), int(v)

    def frame(self, r: int, u: int, v: int) -> tuple[np.ndarray, np.ndarray]:
        """(input L_g f, (size, size); feature map, (4, size, size)) for g = (r, u, v)."""
        r, u, v = self._check(r, u, v)
        moved = L(P4.element(r=r, u=u, v=v), self._base).on_box(self._window)[0]
        maps = lifting_correlation(moved[None, None], self.kernel[None, None], P4,
                                   mode="same")[0, 0]
        return moved, maps

    def png(self, r: int, u: int, v: int) -> bytes:
        """The frame as one PNG of five tiles side by side: the input (grey), then the planes
        e, r, r², r³ (blue negative, red positive, white zero; one scale for every frame)."""
        from PIL import Image

        moved, maps = self.frame(r, u, v)
        # grey levels 0..top, or -top..top for an image with negative values (the window's
        # zero border is then mid-grey, as zero is)
        low = -self.top if self.signed else 0.0
        grey = np.clip(np.rint((moved - low) / (self.top - low) * 127), 0, 127).astype(np.uint8)
        levels = np.clip(np.rint((maps / self.limit + 1) * 63.5), 0, 127).astype(np.uint8)
        tiles = np.concatenate([grey] + [128 + plane for plane in levels], axis=1)
        palette = np.concatenate([_colours("gray", 128), _colours("RdBu_r", 128)])
        picture = Image.fromarray(tiles, mode="P")
        picture.putpalette(palette.reshape(-1).tolist())
        out = io.BytesIO()
        picture.save(out, format="PNG", optimize=True)
        return out.getvalue()

    def url(self, r: int, u: int, v: int) -> str:
        """The frame's PNG as a data URL."""
        return "data:image/png;base64," + base64.b64encode(self.png(r, u, v)).decode("ascii")

    def states(self) -> list[tuple[int, int, int]]:
        """Every g the static page can reach: 4 rotations times the translations on the grid
        of ``step`` within +-``reach`` (a grid that quarter turns map onto itself)."""
        grid = range(-self.reach, self.reach + 1, self.step)
        return [(r, u, v) for r in range(4) for u in grid for v in grid]


def _script() -> str:
    return (_STATIC / "p4_widget.js").read_text(encoding="utf-8")


_CSS = """
.p4w { font: 13px/1.4 system-ui, sans-serif; color: #222; }
.p4w-grid { display: grid; gap: 6px 10px; justify-content: start; }
.p4w-cell { margin: 0; text-align: center; }
.p4w-cell canvas { image-rendering: pixelated; border: 1px solid #bbb; display: block;
                   box-sizing: border-box; }
.p4w-input { cursor: grab; touch-action: none; }
.p4w-input:focus-visible { outline: 3px solid #1f6feb; outline-offset: 2px; }
.p4w-cell figcaption { font-size: 12px; color: #555; }
.p4w-status { margin: 6px 0; }
"""


def _page_data(frames: P4Frames, scale: int) -> dict:
    """What the page's script reads: the geometry and every frame, by "r,u,v"."""
    return {"size": frames.size, "scale": scale, "step": frames.step, "reach": frames.reach,
            "frames": {f"{r},{u},{v}": frames.url(r, u, v) for r, u, v in frames.states()}}


def _static_script() -> str:
    """The view's script for a page of its own (its anywidget entry kept as a plain object)."""
    return _script().replace("export default {", "const anywidgetView = {")


def page_html(frames: P4Frames | None = None, *, scale: int = 5) -> str:
    """A self-contained HTML page of the widget (no server, no network): every frame the page
    can show is precomputed by groupconv and embedded.

    Parameters
    ----------
    frames : P4Frames, optional
        The frames (default: ``P4Frames(step=2)``: 4 x 49 frames).
    scale : int
        Screen pixels per image pixel.

    Returns
    -------
    str
        The page.

    Examples
    --------
    >>> from groupconv.widget import P4Frames, page_html
    >>> html = page_html(P4Frames(step=6))
    >>> html.startswith("<!DOCTYPE html>"), "data:image/png;base64," in html
    (True, True)
    """
    frames = P4Frames(step=2) if frames is None else frames
    if not isinstance(frames, P4Frames):
        raise TypeError(f"frames must be a P4Frames, got {type(frames).__name__}")
    count = 4 * len(range(-frames.reach, frames.reach + 1, frames.step)) ** 2
    pixels = count * 5 * frames.size**2       # each frame: the input and its 4 orientations
    if count > MAX_PAGE_FRAMES or pixels > MAX_PAGE_PIXELS:
        # the fewest frames of a window that moves: 3 x 3 positions (the largest step), 4 turns
        fewest = 4 * (3 if frames.reach else 1) ** 2
        if fewest * 5 * frames.size**2 > MAX_PAGE_PIXELS:
            largest = math.isqrt(MAX_PAGE_PIXELS // (5 * fewest))
            advice = f"no step fits a window of {frames.size}: give a size of at most " \
                     f"{largest - 1 + largest % 2}"
        else:
            advice = "give a larger step or a smaller size"
        raise ValueError(f"frames would put {count} frames of {5 * frames.size**2:,} pixels "
                         f"on the page (size {frames.size}, step {frames.step}), more than "
                         f"{MAX_PAGE_FRAMES} frames or {MAX_PAGE_PIXELS:,} pixels in all: "
                         f"{advice}")
    scale = integer(scale, "scale", 1, 32)
    data = _page_data(frames, scale)
    filter_words = "an edge filter" if np.array_equal(frames.kernel, EDGE) else \
        f"the {frames.kernel.shape[0]} x {frames.kernel.shape[1]} filter given"
    script = _static_script()
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>A p4 feature map, live (groupconv)</title>
<style>
body {{ margin: 16px; }}
{_CSS}
</style>
</head>
<body>
<h1 style="font: 600 18px system-ui, sans-serif">A p4 feature map under translations and
rotations</h1>
<p style="font: 13px system-ui, sans-serif; max-width: 46em">Drag the image in the middle to move
it, click it to turn it by 90° counter-clockwise (or give it focus, with Tab or a click: the
arrow keys move it, Enter, Space or R turns it, Escape or Home resets). Around it: the four orientation
planes of its p4 feature map ({filter_words}, lifted to p4). Moving the input moves every plane
alike; turning it turns every plane and moves it one place along e → r → r² → r³ → e. Every
frame was computed by groupconv ({len(data["frames"])} frames, drags in steps of {frames.step} pixels).</p>
<div id="p4-widget"></div>
<script type="module">
{script}
staticPage(document.getElementById("p4-widget"), {json.dumps(data)});
</script>
</body>
</html>
"""


def write_page(path: str | os.PathLike, frames: P4Frames | None = None, *, scale: int = 5
               ) -> pathlib.Path:
    """Write ``page_html`` to ``path`` (a file ending in .html or .htm; its folder is made if
    missing).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from groupconv.widget import P4Frames, write_page
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_page(pathlib.Path(folder) / "p4.html", P4Frames(step=6)).stat().st_size > 0
    True
    """
    path = output_file(path, "path", (".html", ".htm"))
    text = page_html(frames, scale=scale)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ValueError(f"path: cannot write {str(path)!r}: {error.strerror or error}") \
            from None
    return path


@cache
def _widget_class() -> type:
    """The anywidget class (made once, on first use: anywidget is imported only here)."""
    import anywidget
    import traitlets

    class P4Widget(anywidget.AnyWidget):
        _esm = _script()
        _css = _CSS
        size = traitlets.Int().tag(sync=True)
        scale = traitlets.Int().tag(sync=True)
        step = traitlets.Int().tag(sync=True)
        reach = traitlets.Int().tag(sync=True)
        state = traitlets.List(traitlets.Int(), [0, 0, 0]).tag(sync=True)
        frame = traitlets.List(traitlets.Unicode(), ["", ""]).tag(sync=True)

        def __init__(self, frames: P4Frames, scale: int):
            self.frames = frames
            super().__init__(size=frames.size, scale=scale, step=frames.step,
                             reach=frames.reach)
            self._show([0, 0, 0])

        @traitlets.validate("state")
        def _valid(self, proposal: dict) -> list:
            """An element the window can show ([r, u, v], r in 0..3, |u|, |v| <= reach), or a
            TraitError that says what came (P4Frames' own refusal)."""
            value = list(proposal["value"])
            if len(value) != 3:
                raise traitlets.TraitError(f"state must be [r, u, v], got {value!r}")
            try:
                self.frames._check(*value)
            except (TypeError, ValueError) as error:
                raise traitlets.TraitError(f"state {value!r}: {error}") from None
            return value

        @traitlets.observe("state")
        def _moved(self, change: dict) -> None:
            self._show(change["new"])

        def _show(self, state: list) -> None:
            r, u, v = (int(a) for a in state)
            self.frame = [f"{r},{u},{v}", self.frames.url(r, u, v)]

        def __repr__(self) -> str:
            return f"p4_widget(state={list(self.state)})"

    return P4Widget


def p4_widget(image: Any = None, kernel: Any = None, *, size: int = 33, scale: int = 8) -> Any:
    """The live widget in Jupyter: drag the input to move it, click it to turn it; Python
    computes each new frame with groupconv (needs ``anywidget``: ``pip install anywidget``, or
    the labs extra, ``pip install ".[labs]"`` in a clone).

    Parameters
    ----------
    image, kernel, size
        As in ``P4Frames`` (drags move the image by one pixel).
    scale : int
        Screen pixels per image pixel.

    Returns
    -------
    anywidget.AnyWidget
        Display it (the last line of a cell). Its ``state`` is [r, u, v]; setting it from
        Python moves the picture too.

    Examples
    --------
    >>> from groupconv.widget import p4_widget
    >>> w = p4_widget()                          # doctest: +SKIP
    >>> w.state = [1, 0, 2]                      # doctest: +SKIP
    """
    scale = integer(scale, "scale", 1, 32)
    frames = P4Frames(image, kernel, size=size)
    try:
        cls = _widget_class()
    except ImportError as error:
        raise ImportError(f"p4_widget needs anywidget ({error}): pip install anywidget (or "
                          f"the labs extra, pip install \".[labs]\" in a clone)") from error
    return cls(frames, scale)
