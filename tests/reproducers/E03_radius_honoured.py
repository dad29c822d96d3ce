"""equivariance_errors measures in the disk of the radius it is given (3 px here), not in the
default one (6 px for a 15 x 15 output)."""
import numpy as np
from groupconv import nn
from groupconv.checks.equivariance import equivariance_errors
from groupconv.groups import Space, get_group
g = get_group("se2_8")
layer = nn.LiftingConv(g, 1, 2, 3, mode="same", dtype=np.float64, rng=0)
x = np.zeros((1, 1, 15, 15))
x[..., 2:-2, 2:-2] = np.random.default_rng(0).standard_normal((11, 11))
spaces = (Space.on_plane(g), Space.on_group(g))
r3 = equivariance_errors(layer, x, *spaces, translations=False, radius=3.0).measured
r6 = equivariance_errors(layer, x, *spaces, translations=False, radius=6.0).measured
print("PASS" if r3 != r6 else f"FAIL: radius 3 and radius 6 measure the same: {r3}")
