"""vjp(bias=True) on the hexagonal lattice: db sums dy over the hexagon's cells only."""
import numpy as np
from groupconv import conformance
from groupconv.groups import get_group, domain_mask
x, w = np.ones((1, 1, 7, 7)), np.ones((1, 1, 3, 3))
dy = np.ones((1, 1, 6, 5, 5))                      # ones everywhere, outside the hexagon too
db = conformance.vjp(x, w, dy, "p6", "lifting", bias=True)["db"]
expected = (dy * domain_mask(get_group("p6"), (5, 5))).sum()
print("PASS" if db.tolist() == [expected] else f"FAIL: db {db.tolist()} != {expected}")
