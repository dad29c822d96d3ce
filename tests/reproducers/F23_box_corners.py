"""A box has 2^d corners: corners() returns (S, 2^d) elements, and L_g's support box is the
bounding box of the images of all of them. A point group whose matrix rows mix signs
(here C6 in the basis (u, v) -> (u - v, u)) maps the corner (hi_u, lo_v) outside the box
spanned by the images of lo and hi alone."""
import numpy as np
from groupconv.groups import PointGroup, SemidirectProduct
from groupconv.feature_maps import FeatureMap, L
g6 = SemidirectProduct(PointGroup("C6skew", {"r": [[1, -1], [1, 0]]}), name="Z2xC6skew")
f = FeatureMap(g6, np.random.default_rng(0).standard_normal((1, 6, 3, 4)), origin=(1, 1))
problems = []
if f.corners().shape != (6, 4):
    problems.append(f"corners() shape {f.corners().shape}, expected (6, 4)")
x = f.support()
for r in range(1, 6):
    g = g6.element(r=r)
    if not np.array_equal(L(g, f)(g * x), f(x)):
        problems.append(f"(L_g f)(g x) != f(x) for r={r}")
print("PASS" if not problems else "FAIL: " + "; ".join(problems))
