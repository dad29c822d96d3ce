"""Variant cases use k = 2 in 3D (docstring of cases(); the shipped p4_mmm-*-k2-p1-bias)."""
from groupconv import conformance
ids = [c.id for c in conformance.cases(["P4/mmm"], ks=(), kinds=["lifting"], variants=["bias"])]
print("PASS" if ids == ["p4_mmm-lifting-k2-p1-bias"] else f"FAIL: {ids}")
