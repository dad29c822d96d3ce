"""FeatureMap.values is read-only (documented)."""
import numpy as np
from groupconv import P4
from groupconv.feature_maps import FeatureMap
f = FeatureMap(P4, np.zeros((1, 4, 2, 2)))
try:
    f.values[0, 0, 0, 0] = 1.0
except ValueError:
    print("PASS")
else:
    print(f"FAIL: values written, f(e) = {f(P4.identity())}")
