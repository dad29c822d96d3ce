"""check_layer on a layer that is right on the inputs it compares but returns NaN on any other
input (the turned copies): the report must not pass AND must carry a diagnosis."""
import numpy as np
import groupconv
from groupconv import lifting_correlation
seen = []
def layer(x, w):
    y = lifting_correlation(x, w, "p4")
    known = any(np.array_equal(x, s) for s in seen)
    if known or len(seen) < 2:          # the first two inputs (non-square and square) and repeats
        if not known:
            seen.append(x.copy())
        return y
    return np.full_like(y, np.nan)      # anything else, e.g. a turned copy
r = groupconv.check_layer(layer, "p4", "lifting")
ok = (not r.passed and r.diagnosis is not None and "turned copies" in r.diagnosis
      and np.isnan(r.equivariance_error))
print("PASS" if ok else f"FAIL: passed={r.passed} diagnosis={r.diagnosis!r} "
      f"equivariance_error={r.equivariance_error}")
