"""equivariance_errors on a map whose output is not square (it drops two columns): a report
(inf at the quarter turns, a number at the interpolated samples), not an IndexError."""
import numpy as np
from groupconv import nn
from groupconv.checks.equivariance import equivariance_errors
from groupconv.groups import Space, get_group
g = get_group("se2_8")
layer = nn.LiftingConv(g, 1, 2, 3, mode="same", dtype=np.float64, rng=0)
x = np.zeros((1, 1, 15, 15))
x[..., 2:-2, 2:-2] = np.random.default_rng(0).standard_normal((11, 11))
try:
    r = equivariance_errors(lambda a: layer(a)[..., :-2], x, Space.on_plane(g), Space.on_group(g),
                            translations=False)
except Exception as e:
    print(f"FAIL: {type(e).__name__}: {e}")
else:
    ok = np.isinf(r.max_error) and len(r.measured) == 4
    print("PASS" if ok else f"FAIL: {r.errors} {r.measured}")
