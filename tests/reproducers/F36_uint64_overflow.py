"""Values beyond int64 (uint64 2^63) are refused, not wrapped to -2^63."""
import numpy as np
from groupconv import Z2
from groupconv.feature_maps import FeatureMap
try:
    f = FeatureMap(Z2, np.array([[[2**63]]], np.uint64))
except ValueError as e:
    print("PASS" if "must fit in int64" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: accepted, value {f.values.ravel().tolist()}")
