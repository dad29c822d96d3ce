"""vjp() must refuse a dy of another shape than the output, even one that broadcasts."""
import numpy as np
from groupconv import conformance
x, w = np.ones((2, 1, 5, 5)), np.ones((1, 1, 3, 3))
dy = np.ones((1, 1, 4, 3, 3))                      # output is (2, 1, 4, 3, 3)
try:
    g = conformance.vjp(x, w, dy, "p4", "lifting")
except ValueError as e:
    print("PASS" if "dy must have the output's shape" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: dy of batch 1 accepted for a batch of 2; dw sum {g['dw'].sum()}")
