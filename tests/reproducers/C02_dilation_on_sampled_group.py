"""reference() must refuse dilation > 1 on a sampled (interpolated) group."""
import numpy as np
from groupconv import conformance
try:
    conformance.reference(np.ones((1, 1, 9, 9)), np.ones((1, 1, 3, 3)), "se2_8", "lifting",
                          dilation=2)
except ValueError as e:
    print("PASS" if "dilation must be 1" in str(e) else f"FAIL: other error {e}")
else:
    print("FAIL: dilation=2 accepted on SE2(8)")
