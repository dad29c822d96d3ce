"""write() refuses a negative seed, also when the cases are given (which=)."""
import tempfile
import numpy as np
from groupconv import conformance
x = np.ones((1, 1, 1, 1))
case = conformance.Case("c", "Z2", "lifting", 1, 0, {"x": x, "w": np.ones((1, 1, 1, 1)), "y": x})
try:
    m = conformance.write(tempfile.mkdtemp(), which=[case], seed=-1)
except ValueError as e:
    print("PASS" if "seed must be a non-negative int" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: seed -1 accepted, manifest seed {m['seed']}")
