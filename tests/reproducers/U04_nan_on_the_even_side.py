"""check_equivariance (default inputs: an odd side and an even one) keeps a NaN error that
only the second (even-side) input gives: a map that is NaN there is not equivariant."""
import numpy as np
import groupconv
def fn(a):
    out = np.stack([a] * 4, axis=2)                  # plane -> group, equivariant
    return out if a.shape[-1] % 2 else np.full_like(out, np.nan)
r = groupconv.check_equivariance(fn, "p4")
print("PASS" if np.isnan(r.max_error) else f"FAIL: max_error {r.max_error} (errors {r.errors})")
