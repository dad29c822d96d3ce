"""A box with lo > hi on some axis is refused (on_box)."""
import numpy as np
from groupconv import Z2
from groupconv.feature_maps import FeatureMap
f = FeatureMap(Z2, np.ones((1, 2, 2)))
try:
    out = f.on_box(((0, 0), (-1, 0)))
except ValueError as e:
    print("PASS" if "lo <= hi" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: empty box accepted, result shape {out.shape}")
