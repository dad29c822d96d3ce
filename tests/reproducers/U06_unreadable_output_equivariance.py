"""check_layer on a layer whose output has no point axis: its equivariance cannot be measured,
so the report says NaN, not a perfect 0.0."""
import numpy as np
import groupconv
from groupconv import lifting_correlation
r = groupconv.check_layer(lambda x, w: lifting_correlation(x, w, "p4")[:, :, 0], "p4", "lifting")
print("PASS" if not r.passed and np.isnan(r.equivariance_error)
      else f"FAIL: passed={r.passed} equivariance_error={r.equivariance_error}")
