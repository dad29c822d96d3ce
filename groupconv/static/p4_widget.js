// The view of groupconv's p4 widget (groupconv/widget.py): the input image in the middle, the
// four orientation planes of its p4 feature map around it (e top, r left, r^2 bottom, r^3
// right, as in Cohen & Welling's Figure 1). Drag the input to translate it, click it to turn it
// by a quarter turn counter-clockwise about the window's centre (the origin: an image moved
// away from it moves as it turns). From the keyboard: the input takes focus (Tab, or a click
// or a drag), the arrow
// keys move it by one step, Enter, Space or R turns it, Escape or Home resets; the status line
// is announced to screen readers. The state is the group element g = (r, u, v) acting on the
// image (u = row, v = column); the pictures come from a source:
//   - the static page: frames precomputed by groupconv, looked up by "r,u,v";
//   - Jupyter (anywidget): the state is sent to Python, which computes the frame with groupconv;
//     a state set from Python (or by another view of the same widget) is followed too.
// A frame is one PNG of five tiles side by side: input, then the planes e, r, r^2, r^3.
// After a frame is drawn, the root element's data-drawn attribute holds its "r,u,v".

const LABELS = ["e", "r", "r²", "r³"];
const PLACES = [[1, 2], [2, 1], [3, 2], [2, 3]];   // grid row, column of e, r, r^2, r^3

function mount(el, config, request, initial = [0, 0, 0]) {
  const { size, scale, step, reach } = config;
  const root = document.createElement("div");
  root.className = "p4w";
  root.dataset.drawn = "";
  const grid = document.createElement("div");
  grid.className = "p4w-grid";
  const side = size * scale;
  // columns of at most `side` pixels that shrink with a narrow page (no sideways scrolling)
  grid.style.gridTemplateColumns = `repeat(3, minmax(0, ${side}px))`;
  const canvases = [];
  for (let t = 0; t < 5; t++) {
    const cell = document.createElement("figure");
    cell.className = "p4w-cell";
    const canvas = document.createElement("canvas");
    canvas.width = size;
    canvas.height = size;
    canvas.style.width = "100%";
    canvas.style.maxWidth = `${side}px`;
    canvas.style.aspectRatio = "1 / 1";
    canvas.className = t === 0 ? "p4w-input" : "p4w-plane";
    canvas.dataset.tile = t === 0 ? "input" : LABELS[t - 1];
    if (t === 0) {
      canvas.tabIndex = 0;
      canvas.setAttribute("role", "application");
      canvas.setAttribute("aria-roledescription", "movable image");
      canvas.setAttribute("aria-label", "input image: arrow keys move it, Enter, Space or R " +
                          "turns it by 90 degrees counter-clockwise, Escape or Home resets");
    } else {
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `orientation plane ${LABELS[t - 1]} of the feature map`);
    }
    const caption = document.createElement("figcaption");
    caption.textContent = t === 0 ? "input: drag or arrow keys to move, click or Enter to turn"
      : `plane ${LABELS[t - 1]}`;
    cell.append(canvas, caption);
    const [row, col] = t === 0 ? [2, 2] : PLACES[t - 1];
    cell.style.gridRow = String(row);
    cell.style.gridColumn = String(col);
    grid.append(cell);
    canvases.push(canvas);
  }
  const status = document.createElement("p");
  status.className = "p4w-status";
  status.setAttribute("aria-live", "polite");
  const reset = document.createElement("button");
  reset.type = "button";
  reset.textContent = "reset";
  root.append(grid, status, reset);
  el.append(root);

  let state = [0, 0, 0];
  let pending = "";
  const key = (s) => s.join(",");

  function draw(url, drawnKey) {
    const image = new Image();
    image.onload = () => {
      if (drawnKey !== pending) return;     // a later state was asked for meanwhile
      canvases.forEach((canvas, t) => {
        const ctx = canvas.getContext("2d");
        ctx.imageSmoothingEnabled = false;
        ctx.clearRect(0, 0, size, size);
        ctx.drawImage(image, t * size, 0, size, size, 0, 0, size, size);
      });
      const [r, u, v] = drawnKey.split(",").map(Number);
      status.textContent = `g = (r, u, v) = (${r}, ${u}, ${v}): the input is L_g f, and each ` +
        `plane of the feature map is L_g of the plane it came from`;
      root.dataset.drawn = drawnKey;
    };
    image.src = url;
  }

  function go(next) {
    state = next;
    pending = key(state);
    root.dataset.state = pending;
    request(state, (url, drawnKey) => { if (drawnKey === pending) draw(url, drawnKey); });
  }

  const clamp = (a) => Math.max(-reach, Math.min(reach, a));
  const input = canvases[0];
  let press = null;
  input.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;     // the primary button only (no turn on a right-click)
    // screen pixels per image pixel as drawn now (fewer than `scale` on a narrow page)
    const shown = input.clientWidth / size || scale;
    press = { x: event.clientX, y: event.clientY, u: state[1], v: state[2], moved: false,
              shown };
    input.setPointerCapture(event.pointerId);
    event.preventDefault();               // (which keeps the browser from focusing it: so here)
    input.focus({ preventScroll: true });  // the keys work after a click or a drag
  });
  input.addEventListener("pointermove", (event) => {
    if (!press) return;
    const dx = event.clientX - press.x, dy = event.clientY - press.y;
    if (Math.abs(dx) > 3 || Math.abs(dy) > 3) press.moved = true;
    if (!press.moved) return;
    const u = clamp(press.u + step * Math.round(dy / (press.shown * step)));
    const v = clamp(press.v + step * Math.round(dx / (press.shown * step)));
    if (u !== state[1] || v !== state[2]) go([state[0], u, v]);
  });
  input.addEventListener("pointerup", () => {
    if (press && !press.moved) {
      const [r, u, v] = state;
      go([(r + 1) % 4, -v, u]);     // (1, 0) g: R (u, v) = (-v, u)
    }
    press = null;
  });
  input.addEventListener("pointercancel", () => { press = null; });
  // the keyboard: arrows move by one step (rows u down, columns v right), Enter, Space or R
  // turn, Escape or Home reset
  const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  input.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const [r, u, v] = state;
    if (event.key in MOVES) {
      const [du, dv] = MOVES[event.key];
      const next = [r, clamp(u + step * du), clamp(v + step * dv)];
      if (next[1] !== u || next[2] !== v) go(next);
    } else if (event.key === "Enter" || event.key === " " || event.key === "r" ||
               event.key === "R") {
      go([(r + 1) % 4, -v, u]);
    } else if (event.key === "Escape" || event.key === "Home") {
      go([0, 0, 0]);
    } else {
      return;
    }
    event.preventDefault();          // no page scroll, no second action
  });
  input.addEventListener("contextmenu", (event) => event.preventDefault());
  reset.addEventListener("click", () => go([0, 0, 0]));
  go(initial);
  // a frame that arrives for a state this view did not ask for (set from Python, or by another
  // view): take that state as this view's own, and draw it
  return (next, url) => {
    state = next;
    pending = key(state);
    root.dataset.state = pending;
    draw(url, pending);
  };
}

function staticPage(el, data) {
  mount(el, data, (state, done) => {
    const k = state.join(",");
    done(data.frames[k], k);
  });
}

export default {
  render({ model, el }) {
    const config = { size: model.get("size"), scale: model.get("scale"),
                     step: model.get("step"), reach: model.get("reach") };
    let waiting = null;
    let follow = null;
    model.on("change:frame", () => {
      const [k, url] = model.get("frame");
      const current = model.get("state").join(",");
      if (k !== current) return;        // a frame of an earlier state: a later one is coming
      if (waiting) waiting(url, k);     // the frame this view asked for, or
      if (follow && el.querySelector(".p4w").dataset.state !== k) {
        follow(k.split(",").map(Number), url);    // one set from elsewhere: follow it
      }
    });
    follow = mount(el, config, (state, done) => {
      waiting = done;
      model.set("state", state);
      model.save_changes();
      const [k, url] = model.get("frame");
      if (k === state.join(",")) done(url, k);
    }, model.get("state").map(Number));
  },
};
