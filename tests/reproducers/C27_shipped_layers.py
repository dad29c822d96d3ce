"""shipped() recomputes every shipped case, the layer cases included."""
from groupconv import conformance
fresh = {c.id for c in conformance.shipped()}
stored = {c.id for c in conformance.load()}
print("PASS" if fresh == stored else f"FAIL: missing {sorted(stored - fresh)[:4]} ... ({len(stored - fresh)})")
