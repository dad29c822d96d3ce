"""check_layer's subgroup sentence must list an element whose equivariance error is NaN among
those the layer is NOT equivariant under. The layer: groupconv's result y plus 0.1 y^2 (wrong, but
equivariant), except NaN on the quarter-turned square input and a perturbed output on the
three-quarter-turned one: equivariant under e and r=2 only ("2 of the 4")."""
import numpy as np
import groupconv
from groupconv import lifting_correlation, transform
from groupconv.groups import Space, get_group
P4 = get_group("p4")
plane = Space.on_plane(P4)
squares = []
def layer(x, w):
    y = lifting_correlation(x, w, "p4")
    y = y + 0.1 * y**2                 # wrong, but pointwise: still equivariant
    if x.shape[-1] == x.shape[-2] and not squares:
        squares.append(x.copy())
    if squares and x.shape == squares[0].shape:
        s = squares[0]
        if np.array_equal(x, np.asarray(transform(s, P4.element(r=1), plane))):
            return np.full_like(y, np.nan)
        if np.array_equal(x, np.asarray(transform(s, P4.element(r=3), plane))):
            return y + 1.0
    return y
r = groupconv.check_layer(layer, "p4", "lifting")
d = r.diagnosis or ""
ok = "not under P4(r=1), P4(r=3)" in d
print("PASS" if ok else f"FAIL: the NaN element r=1 is not named among the bad ones: {d!r}")
