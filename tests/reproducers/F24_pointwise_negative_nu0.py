"""pointwise refuses a nonlinearity with nu(0) != 0, also nu(0) < 0."""
import numpy as np
from groupconv import Z2
from groupconv.feature_maps import FeatureMap, pointwise
f = FeatureMap(Z2, np.ones((1, 2, 2)))
try:
    pointwise(lambda a: a - 1.0, f)
except ValueError as e:
    print("PASS" if "must map 0 to 0" in str(e) else f"FAIL: other error {e}")
else:
    print("FAIL: nu(0) = -1 accepted")
