"""load() refuses a manifest case with stride 0 (schema: stride >= 1)."""
import json, pathlib, tempfile
import numpy as np
from groupconv import conformance
d = pathlib.Path(tempfile.mkdtemp())
np.savez(d / "c.npz", x=np.ones((1, 1, 3, 3)), y=np.ones((1, 1, 4, 3, 3)))
(d / "manifest.json").write_text(json.dumps({"cases": [
    {"file": "c.npz", "group": "p4", "kind": "lifting", "k": 1, "padding": 0, "stride": 0}]}))
try:
    cases = conformance.load(d)
except ValueError as e:
    print("PASS" if "stride must be an int >= 1" in str(e) else f"FAIL: other error {e}")
else:
    print(f"FAIL: loaded a case with stride {cases[0].stride}")
