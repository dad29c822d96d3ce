"""L refuses an element of a group in another dimension (a p4 element on a function on Z^3)."""
import numpy as np
from groupconv import P4, Z3
from groupconv.feature_maps import FeatureMap, L
f = FeatureMap(Z3, np.ones((1, 2, 2, 2)))
try:
    out = L(P4.element(r=1), f)
except ValueError as e:
    print("PASS" if "does not act on functions on Z^3" in str(e) else f"FAIL: other error: {type(e).__name__}: {e}")
except Exception as e:
    print(f"FAIL: {type(e).__name__}: {e}")
else:
    print(f"FAIL: accepted, {out}")
