# %% [markdown]
# # Lab 1: groups
#
# A group-equivariant network is built on a group: a set with a product, an identity and
# inverses. This lab takes the four groups of Cohen & Welling (2016) apart:
#
# - **C4**, the rotations by multiples of 90 degrees, and **D4**, those with the mirrors;
# - **p4** and **p4m**, the same rotations and mirrors together with every integer
#   translation of the plane (the groups a G-CNN on a square pixel grid uses).
#
# You will compose, invert and write elements as matrices, read a Cayley table, find
# subgroups and cosets, build the regular representation, watch sympy prove a group law, and
# write p4's law yourself, which `groupconv.check_group_law` then grades.
#
# Every number here is an exact integer: nothing is rounded.

# %%
import numpy as np

import groupconv
from groupconv import C4, D4, P4, P4M
from groupconv.groups import cayley_table, cosets, labels, regular_representation, subgroups

# %% [markdown]
# ## 1. Elements, products, inverses and matrices
#
# An element is given by its parameters: `r` (the number of quarter turns, counter-clockwise),
# `m` (1 for a mirror, applied first) and, in p4 and p4m, the translation `(u, v)`. The product
# `a * b` means "a after b", and every element has an integer matrix.

# %%
r = C4.element(r=1)
print("elements of C4:", list(C4.elements()))
print("r r =", r * r, "  r^-1 =", r.inverse())
print("matrix of r:\n", r.matrix())

# %% [markdown]
# The matrices are 3x3 and homogeneous, so that translations fit in too; the point group's
# part is the upper-left 2x2 block. Mirror and rotation do not commute: `m r` is not `r m`.

# %%
m = D4.element(m=1, r=0)
rd = D4.element(m=0, r=1)
print("m r =", m * rd, "   r m =", rd * m)
print("matrix of m:\n", m.matrix())

# %% [markdown]
# **Exercise 1.1.** Write the 2x2 matrix of the rotation by `r` quarter turns,
# counter-clockwise. Hint: a quarter turn sends the point (1, 0) to (0, 1) and (0, 1) to
# (-1, 0); `np.linalg.matrix_power` repeats it.

# %%
def c4_matrix(r: int) -> np.ndarray:
    """The 2x2 integer matrix of the rotation by r quarter turns."""
    # BEGIN SOLUTION: Exercise 1.1: the 2x2 matrix of r quarter turns (from [[0, -1], [1, 0]])
    return np.linalg.matrix_power(np.array([[0, -1], [1, 0]]), r % 4)
    # END SOLUTION


for k in range(4):
    assert np.array_equal(c4_matrix(k), C4.element(r=k).matrix()[:2, :2]), k
print("c4_matrix agrees with groupconv for r = 0, 1, 2, 3")

# %% [markdown]
# In p4 an element is a rotation followed by a translation: `g x = R^r x + (u, v)`. Composing
# two of them gives the semidirect product's law
#
# $$(r, t)\,(r', t') = (r + r' \bmod 4,\; t + R^r t').$$

# %%
g = P4.element(r=1, u=2, v=-1)
h = P4.element(r=3, u=0, v=4)
print("g h =", g * h, "  g^-1 =", g.inverse())
print("g acts on the point (1, 0):", g.act([1, 0]))
print("matrix of g h equals the product of matrices:",
      np.array_equal((g * h).matrix(), g.matrix() @ h.matrix()))

# %% [markdown]
# **Exercise 1.2.** Implement p4's product and inverse on parameter tuples `(r, u, v)`, from
# the law above. The inverse solves `(r, t)(r', t') = (0, 0)`. `groupconv.check_group_law`
# compares your functions with the library's group on every pair of rotations and 200 random
# translations, and lists any disagreement with the value it expected.

# %%
def p4_product(a: tuple, b: tuple) -> tuple:
    """(r, t)(r', t') = (r + r' mod 4, t + R^r t')."""
    # BEGIN SOLUTION: Exercise 1.2: return (r + r' mod 4, t + R^r t') as (r, u, v)
    r1, u1, v1 = a
    r2, u2, v2 = b
    t = np.array([u1, v1]) + c4_matrix(r1) @ np.array([u2, v2])
    return ((r1 + r2) % 4, int(t[0]), int(t[1]))
    # END SOLUTION


def p4_inverse(a: tuple) -> tuple:
    """(r, t)^-1 = (-r mod 4, -R^-r t)."""
    # BEGIN SOLUTION: Exercise 1.2: return the inverse (r, u, v); R^-r is R^r transposed
    r, u, v = a
    t = -c4_matrix(-r) @ np.array([u, v])
    return ((-r) % 4, int(t[0]), int(t[1]))
    # END SOLUTION


report = groupconv.check_group_law(p4_product, p4_inverse, "p4")
print(report)
assert report.ok

# %% [markdown]
# A law that looks right but composes in the wrong order, `t' + R^r' t`, is caught at once
# (this is the checker failing on purpose, so that you know it can):

# %%
def wrong_order(a, b):
    return p4_product(b, a)


print(groupconv.check_group_law(wrong_order, p4_inverse, "p4"))

# %% [markdown]
# ## 2. The Cayley table
#
# The table of all products `a b` of a finite group, labelled by the elements' names.
# Each element appears once in every row and every column (a Latin square).

# %%
table = cayley_table(D4)
table

# %%
print(table)
assert all(sorted(row) == list(range(8)) for row in table.table.tolist())

# %% [markdown]
# ## 3. Subgroups and cosets
#
# D4 has ten subgroups: the trivial one, five of order 2 (the half turn and the four
# mirrors), three of order 4 (C4 and two Klein four-groups) and D4 itself.

# %%
names = labels(D4)
for sub in subgroups(D4):
    print(len(sub), [names[i] for i in sub])

# %% [markdown]
# The left cosets `g H` of the rotations H = C4 split D4 into two halves, the rotations and the
# mirrors: this is why a p4m feature map has two "sheets" of four orientations. The cosets of
# a subgroup of order 2 are four pairs.

# %%
rotations = (0, 1, 2, 3)
print("cosets of C4:", [[names[i] for i in c] for c in cosets(D4, rotations)])
half_turn = (0, 2)
print("cosets of {e, r²}:", [[names[i] for i in c] for c in cosets(D4, half_turn)])

# %% [markdown]
# ## 4. The regular representation
#
# Each element g permutes the group by h -> g h. Writing that permutation as a matrix gives the
# regular representation ρ(g), and it is a homomorphism: ρ(a b) = ρ(a) ρ(b). This is exactly
# how a rotation acts on the orientation axis of a p4 feature map.

# %%
rho = regular_representation(C4)
print("ρ(r) =\n", rho[1])
index = cayley_table(C4).table
assert all(np.array_equal(rho[index[a, b]], rho[a] @ rho[b]) for a in range(4) for b in range(4))
print("ρ(a b) = ρ(a) ρ(b) for all 16 pairs of C4")

rho8 = regular_representation(D4)
print("D4: 8 permutation matrices of size", rho8.shape[1:],
      "; homomorphism:", all(np.array_equal(rho8[cayley_table(D4).table[a, b]],
                                            rho8[a] @ rho8[b])
                             for a in range(8) for b in range(8)))

# %% [markdown]
# ## 5. A proof with sympy
#
# Numbers check a law on the cases tried; a symbolic proof covers every translation at once.
# Take two elements of p4 with symbolic translations and compose them with the library's own
# law: the product's matrix equals the product of the matrices, identically in the symbols.

# %%
import sympy as sp

from groupconv.groups import symbolic

a = symbolic.symbolic_element(P4, 1, "a")    # a quarter turn, translation (u_a, v_a)
b = symbolic.symbolic_element(P4, 3, "b")    # three quarter turns, translation (u_b, v_b)
print("a =", a, "  b =", b)
print("a b =", symbolic.compose(a, b))
step = symbolic.matrix(symbolic.compose(a, b)) - symbolic.matrix(a) * symbolic.matrix(b)
print("matrix(a b) - matrix(a) matrix(b) =", sp.simplify(step))

# %% [markdown]
# The library runs the same argument for every pair (or triple) of point parts, for each law:

# %%
for proof in symbolic.all_proofs(P4M):
    print(f"{proof.claim:<22} {proof.equation:<28} {proof.cases:>4} cases  holds: {proof.holds}")

# %% [markdown]
# ## What you have seen
#
# - elements, products, inverses and matrices of C4, D4, p4 and p4m, all exact integers;
# - the Cayley table, subgroups and cosets, and the regular representation ρ(a b) = ρ(a) ρ(b);
# - a group law written by hand and graded, and a proof that holds for every translation.
#
# Next, lab 2 lets these groups act on images and on functions on p4.
