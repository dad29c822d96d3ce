"""Box corners must be ints, not bools."""
import numpy as np
from groupconv import Z2
from groupconv.feature_maps import FeatureMap
f = FeatureMap(Z2, np.ones((1, 2, 2)))
try:
    out = f.on_box(((False, 0), (True, 1)))
except TypeError as e:
    print("PASS" if "box corners must be ints" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: bool corners accepted, result shape {out.shape}")
