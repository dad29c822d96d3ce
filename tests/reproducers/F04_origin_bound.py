"""FeatureMap refuses an origin beyond 2^40 (documented range -2^40..2^40)."""
import numpy as np
from groupconv import Z2
from groupconv.feature_maps import FeatureMap
try:
    f = FeatureMap(Z2, np.ones((1, 1, 1)), origin=(2**40 + 1, 0))
except ValueError as e:
    print("PASS" if "origin must lie in -2^40..2^40" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: origin {f.origin} accepted")
