"""The manifest records the seed the cases were drawn with."""
import tempfile
from groupconv import conformance
m = conformance.write(tempfile.mkdtemp(), ["p4"], ks=[1], kinds=["lifting"], seed=3)
print("PASS" if m["seed"] == 3 else f"FAIL: manifest seed {m['seed']} for seed 3")
