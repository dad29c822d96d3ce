"""write() then load() returns the arrays of a non-integer (sampled) case unchanged."""
import tempfile
import numpy as np
from groupconv import conformance
d = tempfile.mkdtemp()
fresh = list(conformance.cases(["se2_8"], ks=[3], kinds=["lifting"]))
conformance.write(d, which=fresh)
loaded = {c.id: c for c in conformance.load(d)}
bad = [(c.id, k) for c in fresh for k in c.arrays if not np.array_equal(c[k], loaded[c.id][k])]
print("PASS" if not bad else f"FAIL: changed by write/load: {bad[:4]}")
