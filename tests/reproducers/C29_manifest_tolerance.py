"""A written sampled-group case keeps its tolerance in the manifest (and after load)."""
import tempfile
from groupconv import conformance
d = tempfile.mkdtemp()
m = conformance.write(d, ["se2_8"], ks=[1], kinds=["lifting"])
tol = [e["tolerance"] for e in m["cases"]] + [c.tolerance for c in conformance.load(d)]
ok = all(t == conformance.SAMPLED_TOLERANCE for t in tol)
print("PASS" if ok else f"FAIL: tolerances {tol}")
