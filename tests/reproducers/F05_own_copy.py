"""A FeatureMap keeps its own copy: the caller's array stays writeable and later changes to it
do not reach the map."""
import numpy as np
from groupconv import P4, Z2
from groupconv.feature_maps import FeatureMap
problems = []
for group, shape in ((Z2, (1, 2, 2)), (P4, (1, 4, 2, 2))):
    v = np.zeros(shape)
    f = FeatureMap(group, v)
    try:
        v[...] = 7.0
    except ValueError as e:
        problems.append(f"{group.name}: caller's array made read-only ({e})")
        continue
    if f.values.max() != 0:
        problems.append(f"{group.name}: the map changed with the caller's array")
print("PASS" if not problems else "FAIL: " + "; ".join(problems))
