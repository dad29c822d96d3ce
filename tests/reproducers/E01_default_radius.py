"""equivariance_errors' default measuring disk is the inscribed one, one pixel in: radius
(n - 1) / 2 - 1 for an n x n output (docstring). The default and that radius given explicitly
measure the same errors (a 15 x 15 output: radius 6)."""
import numpy as np
from groupconv import nn
from groupconv.checks.equivariance import equivariance_errors
from groupconv.groups import Space, get_group
g = get_group("se2_8")
layer = nn.LiftingConv(g, 1, 2, 3, mode="same", dtype=np.float64, rng=0)
x = np.zeros((1, 1, 15, 15))
x[..., 2:-2, 2:-2] = np.random.default_rng(0).standard_normal((11, 11))
spaces = (Space.on_plane(g), Space.on_group(g))
default = equivariance_errors(layer, x, *spaces, translations=False).measured
explicit = equivariance_errors(layer, x, *spaces, translations=False, radius=6.0).measured
print("PASS" if default == explicit else f"FAIL: default {default} != radius 6 {explicit}")
