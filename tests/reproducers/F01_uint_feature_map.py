"""uint8 feature-map values sum exactly (int64), as int8 ones do: 200*200*4 = 160000."""
import numpy as np
from groupconv import Z2, literal
from groupconv.feature_maps import FeatureMap
f = FeatureMap(Z2, np.full((1, 2, 2), 200, np.uint8))
try:
    v = literal.planar_correlation(f, f).values[0, 1, 1]
except Exception as e:
    print(f"FAIL: {type(e).__name__}: {e}")
else:
    print("PASS" if v == 160000 and f.dtype == np.int64 else f"FAIL: {v!r} (dtype {f.dtype})")
