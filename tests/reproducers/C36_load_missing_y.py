"""load() refuses a case file that holds no y."""
import json, pathlib, tempfile
import numpy as np
from groupconv import conformance
d = pathlib.Path(tempfile.mkdtemp())
np.savez(d / "c.npz", x=np.ones((1, 1, 3, 3)))
(d / "manifest.json").write_text(json.dumps({"cases": [
    {"file": "c.npz", "group": "p4", "kind": "lifting", "k": 1, "padding": 0}]}))
try:
    cases = conformance.load(d)
except ValueError as e:
    print("PASS" if "has no y" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: loaded {cases} without y")
