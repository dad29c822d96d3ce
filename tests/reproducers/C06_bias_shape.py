"""reference() must refuse a bias whose length is not C_out (here 3 for C_out = 1: it broadcasts)."""
import numpy as np
from groupconv import conformance
try:
    y = conformance.reference(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), "p4", "lifting",
                              bias=np.array([1.0, 2.0, 3.0]))
except ValueError as e:
    print("PASS" if "bias must have shape (1,)" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: bias of 3 accepted for 1 output channel, output shape {y.shape}")
