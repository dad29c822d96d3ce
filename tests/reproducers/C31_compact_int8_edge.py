"""An integer array whose largest value is 128 survives write() and load()."""
import tempfile
import numpy as np
from groupconv import conformance
x = np.array([[[[0.0, 128.0]]]])
case = conformance.Case("edge", "Z2", "lifting", 1, 0, {"x": x, "w": np.ones((1, 1, 1, 1)), "y": x.copy()})
d = tempfile.mkdtemp()
conformance.write(d, which=[case])
back = conformance.load(d)[0]["x"]
print("PASS" if np.array_equal(back, x) else f"FAIL: 128 read back as {back.ravel().tolist()}")
