"""pointwise refuses a nu that does not act entry by entry (changes the shape)."""
import numpy as np
from groupconv import Z2
from groupconv.feature_maps import FeatureMap, pointwise
f = FeatureMap(Z2, np.ones((1, 2, 3)))
try:
    out = pointwise(lambda a: a[..., :1], f)
except ValueError as e:
    print("PASS" if "act entry by entry" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: accepted, result box {out.box} (f's {f.box})")
