"""A spatial-pool case's options (size, stride, reduction) reproduce its y."""
import numpy as np
from groupconv import conformance, nn
from groupconv.groups import Space, get_group
ok = True
for c in conformance.cases(["p4"], ks=(), kinds=["spatial_pool"]):
    o = c.options
    y = nn.SpatialPool(o["size"], o["stride"], o["reduction"],
                       space=Space.on_group(get_group("p4")))(c["x"])
    if y.shape != c["y"].shape or not np.array_equal(y, c["y"]):
        ok = False
        print(f"{c.id}: options {dict(o)} give {y.shape}, case y {c['y'].shape}")
print("PASS" if ok else "FAIL")
