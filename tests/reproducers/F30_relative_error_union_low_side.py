"""relative_error reads the union of the supports, also where g reaches below f's box."""
import numpy as np
from groupconv import Z2
from groupconv.feature_maps import FeatureMap, relative_error
f = FeatureMap(Z2, np.ones((1, 2, 2)))                     # box (0, 0)..(1, 1)
v = np.zeros((1, 3, 3)); v[0, 1:, 1:] = 1.0; v[0, 0, 0] = 0.5
g = FeatureMap(Z2, v, origin=(1, 1))                       # f, and 0.5 at (-1, -1)
e = relative_error(f, g)
print("PASS" if e == 0.5 else f"FAIL: relative_error {e} (expected 0.5)")
