# %% [markdown]
# # Lab 1: groups
#
# A group-equivariant network is built on a group: a set with a product, an identity and
# inverses. Cohen & Welling (2016) use two groups of the square pixel grid, **p4** (every
# translation of the grid, combined with the rotations by multiples of 90 degrees) and **p4m**
# (the same with the mirrors). The rotations alone form the group **C4**; rotations and mirrors
# together, **D4**: these are the *point groups* of p4 and p4m, the elements that keep the
# origin where it is. This lab takes all four apart:
#
# - you compose, invert and write elements as matrices, and write C4's matrices, p4's law and
#   D4's Cayley table yourself (each graded by `groupconv.labs.grade`, which runs the library's
#   checkers and says what is wrong, without giving the answer away);
# - you read subgroups and cosets, build the regular representation, and watch sympy prove a
#   group law for every translation at once.
#
# Every number here is an exact integer: nothing is rounded.
#
# *Setup.* The next cell installs what this lab needs when it is missing (on Colab or a
# JupyterHub); where everything is installed, it does nothing.

# %%
import importlib.util
import subprocess
import sys

PACKAGE = None  # groupconv's build to install; `groupconv labs --install URL` names it
NEEDED = {"scipy": "scipy", "sklearn": "scikit-learn", "anywidget": "anywidget",
          "mlxtend": "mlxtend"}
if importlib.util.find_spec("groupconv") is None:
    if PACKAGE is None:
        raise RuntimeError("groupconv is not installed here, and this notebook names no build "
                           "of it to install: install it (pip install '.[labs]' in a clone of "
                           "its repository), or use the notebooks your course hands out")
    NEEDED["groupconv"] = PACKAGE
missing = [spec for module, spec in NEEDED.items() if importlib.util.find_spec(module) is None]
if missing:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)

# %%
import numpy as np

import groupconv
from groupconv import C4, D4, P4, P4M
from groupconv.groups import cayley_table, cosets, labels, regular_representation, subgroups
from groupconv.labs import WrongAnswer, grade

# %% [markdown]
# ## 1. Elements, products, inverses and matrices
#
# An element is given by its parameters: `r` (the number of quarter turns, counter-clockwise),
# `m` (1 for a mirror) and, in p4 and p4m, the translation `(u, v)`. The product `a * b` means
# "a after b", and every element has an integer matrix. Points are (u, v) = (row, column), with
# rows counted downwards as an image is shown.

# %%
r = C4.element(r=1)
print("elements of C4:", list(C4.elements()))
print("r r =", r * r, "  r^-1 =", r.inverse())
print("matrix of r r (a half turn):\n", (r * r).matrix())

# %% [markdown]
# The matrices are 3x3 and homogeneous, so that translations fit in too; the point group's
# part is the upper-left 2x2 block. The element with parameters (m, r) is M^m R^r, where
# M = diag(-1, 1) flips the rows (up-down): acting on a point, the **rotation acts first** and
# the mirror second. Mirror and rotation do not commute: `m r` is not `r m`.

# %%
m = D4.element(m=1, r=0)
rd = D4.element(m=0, r=1)
print("m r =", m * rd, "   r m =", rd * m)
print("matrix of m:\n", m.matrix())
x = [1, 0]
print("(m=1, r=1) sends (1, 0) to", D4.element(m=1, r=1).act(x),
      "  m (r x) =", m.act(rd.act(x)), "  r (m x) =", rd.act(m.act(x)))

# %% [markdown]
# **Exercise 1.1.** Write `c4_matrix(r)`: the 2x2 matrix of the rotation by `r` quarter turns,
# counter-clockwise as an image is shown, for any integer `r`, with exact integer entries,
# with NumPy (not groupconv's elements, such as `C4.element(...).matrix()` above: the grader
# refuses answers that call groupconv, since it checks your code).
#
# *Hint.* A matrix is known once you know where it sends (1, 0) and (0, 1). Where does a
# quarter turn send them, in (row, column) coordinates? And what do r quarter turns have to do
# with one?

# %%
def c4_matrix(r: int) -> np.ndarray:
    """The 2x2 integer matrix of the rotation by r quarter turns, counter-clockwise."""
    # BEGIN SOLUTION: Exercise 1.1: the 2x2 integer matrix of r quarter turns: where do (1, 0) and (0, 1) go?
    return np.linalg.matrix_power(np.array([[0, -1], [1, 0]]), r % 4)
    # END SOLUTION


grade("1.1", c4_matrix)

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
# **Exercise 1.2.** Implement p4's product and inverse on parameter tuples `(r, u, v)`, with
# NumPy and your `c4_matrix` (not groupconv's elements: the grader checks your code). The
# product is the law above; the inverse of a is the element a⁻¹ with a a⁻¹ = (0, 0, 0).
# `grade` runs `groupconv.check_group_law`, which compares your functions with the library's
# group on every pair of rotations and random translations, and diagnoses each function on its
# own.
#
# *Hint.* For the inverse, write (r, t)(r', t') = (0, 0) as two equations, one for the
# rotation and one for the translation, and solve them for r' and t'.

# %%
def p4_product(a: tuple, b: tuple) -> tuple:
    """The product a b of two elements of p4, as a tuple (r, u, v) of ints."""
    # BEGIN SOLUTION: Exercise 1.2: the product a b from the law above, as (r, u, v)
    r1, u1, v1 = a
    r2, u2, v2 = b
    t = np.array([u1, v1]) + c4_matrix(r1) @ np.array([u2, v2])
    return ((r1 + r2) % 4, int(t[0]), int(t[1]))
    # END SOLUTION


def p4_inverse(a: tuple) -> tuple:
    """The inverse of a in p4, as a tuple (r, u, v) of ints."""
    # BEGIN SOLUTION: Exercise 1.2: the inverse a^-1, the solution of a a^-1 = (0, 0, 0)
    r, u, v = a
    t = -c4_matrix(-r) @ np.array([u, v])
    return ((-r) % 4, int(t[0]), int(t[1]))
    # END SOLUTION


grade("1.2", p4_product, p4_inverse)

# %% [markdown]
# A law that looks right but composes in the wrong order is caught at once, and the grader
# names the mistake (this is the grader failing on purpose, so that you know what it says):

# %%
def wrong_order(a, b):
    return p4_product(b, a)


try:
    grade("1.2", wrong_order, p4_inverse)
except WrongAnswer as failure:
    print(failure)

# %% [markdown]
# ## 2. The Cayley table
#
# The table of all products `a b` of a finite group: row a, column b holds a b. For D4, index
# the elements as 4 m + r for M^m R^r (so 0..3 are the rotations e, r, r², r³ and 4..7 the
# mirrored ones m, mr, mr², mr³).
#
# **Exercise 1.3.** Write `d4_table()`: the 8 x 8 integer array whose entry [a, b] is the index
# of the product of element a and element b. Build it from matrices (your `c4_matrix` and M),
# not from groupconv's elements.
#
# *Hint.* Two elements are equal exactly when their matrices are: multiply, then look the
# product up among the eight matrices.

# %%
def d4_table() -> np.ndarray:
    """Entry [a, b]: the index (4 m + r) of the product of elements a and b of D4."""
    # BEGIN SOLUTION: Exercise 1.3: an 8 x 8 table of indices: multiply matrices, then find the product among the eight
    mirror = np.diag([-1, 1])
    mats = [np.linalg.matrix_power(mirror, i // 4) @ c4_matrix(i % 4) for i in range(8)]
    return np.array([[next(k for k in range(8) if np.array_equal(mats[a] @ mats[b], mats[k]))
                      for b in range(8)] for a in range(8)])
    # END SOLUTION


grade("1.3", d4_table)

# %% [markdown]
# The library's table, labelled by the elements' names, is the same. Each element appears once
# in every row and every column (a Latin square).

# %%
table = cayley_table(D4)
print(table)
print("every row and every column holds each element once:",
      all(sorted(line) == list(range(8)) for t in (table.table, table.table.T)
          for line in t.tolist()))

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
# mirrored elements: this is why a p4m feature map has two "sheets" of four orientations. The
# cosets of a subgroup of order 2 are four pairs.

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
homomorphism = all(np.array_equal(rho[index[a, b]], rho[a] @ rho[b])
                   for a in range(4) for b in range(4))
print("ρ(a b) = ρ(a) ρ(b) for all 16 pairs of C4" if homomorphism else "not a homomorphism!")

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
# ## Questions for your report
#
# **Question 1.1.** p4's product is not the direct product of C4 and Z² (where rotations and
# translations would simply be combined part by part). Why not? Give a turn and a translation
# whose order matters, and say what the law does about it.
#
# <!-- BEGIN ANSWER -->
# Turning after moving is not moving after turning: R (x + t) = R x + R t, so moving by t
# and then turning equals turning and then moving by R t, R T(t) = T(R t) R. For r = 1 and
# t = (1, 0): moving by (1, 0) and then turning gives
# x -> R x + (0, 1), while turning and then moving gives x -> R x + (1, 0). The law records
# this by turning the second element's translation by the first element's rotation,
# t + R^r t'; in a direct product the translations would just add, and the two orders would
# give the same map, which they do not.
# <!-- END ANSWER -->
#
# **Question 1.2.** Why does each element appear exactly once in every row and every column of
# a Cayley table? Which group axioms does your argument use?
#
# <!-- BEGIN ANSWER -->
# If a b = a c, multiplying by a⁻¹ on the left gives b = c (inverse, associativity,
# identity): no element appears twice in row a. And every c appears, as a (a⁻¹ c). Columns
# alike with right multiplication. Row a is therefore a permutation of the group: the
# permutation h -> a h that the regular representation writes as a matrix.
# <!-- END ANSWER -->
#
# **Question 1.3.** The left cosets of C4 in D4 are the rotations and the mirrored elements.
# How many orientation planes does a p4m feature map have, how are they grouped, and what does
# a mirror of the input do to the groups?
#
# <!-- BEGIN ANSWER -->
# Eight, one per element of D4, in two cosets of four: the rotations e, r, r², r³ and the
# mirrored m, mr, mr², mr³. A rotation of the input permutes the planes within each coset
# (cyclically, the mirrored ones the other way round, since r⁻¹ m = m r); a mirror
# exchanges the two cosets. So pooling over each coset alone gives a map that rotations leave
# unchanged but mirrors swap.
# <!-- END ANSWER -->
#
# **Question 1.4.** `check_group_law` tried 200 random pairs of elements; sympy proved the law for
# all of them. What does each establish, and why are there only finitely many cases for sympy?
#
# <!-- BEGIN ANSWER -->
# The random check shows that two implementations agree on the cases drawn: a wrong formula
# almost surely shows up, but agreement elsewhere is not proved. The proof keeps the
# translations as symbols: the product's matrix minus the product of matrices simplifies to
# zero as a polynomial identity, so it holds for every translation. Only the point parts are
# enumerated, and there are finitely many of them (4 for p4, 8 for p4m), one case per pair
# (or triple, for associativity).
# <!-- END ANSWER -->
#
# ## What you have seen
#
# - elements, products, inverses and matrices of C4, D4, p4 and p4m, all exact integers;
# - a group law and a Cayley table written by hand and graded, with the grader's diagnosis of
#   a law composed in the wrong order;
# - subgroups and cosets, the regular representation ρ(a b) = ρ(a) ρ(b), and a proof that
#   holds for every translation.
#
# Next, lab 2 lets these groups act on images and on functions on p4.
