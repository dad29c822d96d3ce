"""The manifest's y_shape is the shape of the case's y."""
import tempfile
from groupconv import conformance
d = tempfile.mkdtemp()
m = conformance.write(d, ["p4"], ks=[2], kinds=["lifting"])
cases = {c.id: c for c in conformance.load(d)}
bad = [e["id"] for e in m["cases"] if e["y_shape"] != list(cases[e["id"]]["y"].shape)]
print("PASS" if not bad else f"FAIL: y_shape wrong for {bad}")
