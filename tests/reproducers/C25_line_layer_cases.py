"""cases() writes the layer cases for a group with a point axis on the line lattice too."""
from groupconv import conformance
from groupconv.groups import PointGroup, SemidirectProduct
line = SemidirectProduct(PointGroup("C2line", {"m": [[-1]]}), name="linem")
ids = [c.id for c in conformance.cases([line], ks=(), kinds=["subgroup_pool"])]
print("PASS" if ids == ["linem-subgroup_pool-max", "linem-subgroup_pool-mean"] else f"FAIL: {ids}")
