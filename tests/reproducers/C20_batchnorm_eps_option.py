"""A batchnorm case's options["eps"] is the eps its y was computed with."""
import numpy as np
from groupconv import conformance, nn
c = next(iter(conformance.cases(["p4"], ks=(), kinds=["batchnorm"])))
bn = nn.BatchNorm(c.c_in, eps=c.options["eps"], dtype=np.float64)
bn.params.update(gamma=c["gamma"], beta=c["beta"])
y = bn.forward(c["x"], training=True)[0]
err = np.abs(y - c["y"]).max() / np.abs(c["y"]).max()
print("PASS" if err <= c.tolerance else f"FAIL: relative error {err:.2e} with eps={c.options['eps']}")
