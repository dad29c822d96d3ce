"""An output too small for the default disk (4 x 4: radius 0.5 holds no pixel) is measured
on every pixel, not reported as error 0."""
import numpy as np
import groupconv
from groupconv import nn
from groupconv.checks.equivariance import relative_l2_error
from groupconv.groups import Space, get_group
g = get_group("se2_8")
layer = nn.LiftingConv(g, 1, 1, 3, mode="valid", dtype=np.float64, rng=0)
x = np.random.default_rng(0).standard_normal((1, 1, 6, 6))      # output 4 x 4
plane, group = Space.on_plane(g), Space.on_group(g)
from groupconv.checks.equivariance import equivariance_errors
report = equivariance_errors(layer, x, plane, group, translations=False)
h = g.point_elements()[1]
moved = layer(groupconv.transform(x, h, plane, interpolate=True))
expected = groupconv.transform(layer(x), h, group, interpolate=True)
by_hand = relative_l2_error(moved, expected, np.ones((4, 4), bool))
got = report.measured[repr(h)]
print("PASS" if abs(got - by_hand) <= 1e-12 * by_hand and got > 0
      else f"FAIL: measured {got}, every pixel gives {by_hand}")
