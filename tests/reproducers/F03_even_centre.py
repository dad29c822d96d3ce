"""origin="centre" puts 0 at index n // 2 (docstring), also for even sides: (1, 2) for 2 x 4."""
import numpy as np
from groupconv import Z2
from groupconv.feature_maps import FeatureMap
f = FeatureMap(Z2, np.arange(8.0).reshape(1, 2, 4), origin="centre")
print("PASS" if f.origin == (1, 2) and f.box == ((-1, -2), (0, 1)) else f"FAIL: origin {f.origin}, box {f.box}")
