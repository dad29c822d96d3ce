"""Reference vectors computed by escnn itself for the groups beyond C4 and D4, for
tests/test_interop.py: the square-lattice wallpaper groups p2, pm, cm, pmm and cmm, and the
octahedral group on R^3 (groupconv's P432).

Run once, in an environment with torch and escnn 1.0.11 (``pip install escnn --no-deps
lie_learn pymanopt autograd``; escnn pins numpy < 2 and its dependency py3nj needs gfortran to
build), with groupconv importable only for nothing: the script imports escnn alone.

    python tests/data/make_escnn_group_vectors.py   # writes tests/data/escnn_group_vectors.npz

For each group, a lifting layer (trivial -> regular) and a group layer (regular -> regular),
k 3, padding 0 and 1, float64: the expanded filter bank escnn feeds to conv2d / conv3d, a random
input in its layout (B, C·S, *n) and its output. The gspaces and reflection axes (escnn's
``axis`` is the angle of the mirror line from its X axis, X = groupconv's column axis v,
Y = -u):

    p2     rot2dOnR2(N=2)
    pm     flip2dOnR2(axis=0)            the mirror across the horizontal line: groupconv's M
    cm     flip2dOnR2(axis=3 pi / 4)     the mirror across the diagonal u = v: groupconv's S
    pmm    flipRot2dOnR2(N=2)            escnn's default axis pi / 2: the left-right flip
    cmm    flipRot2dOnR2(N=2, axis=3 pi / 4)
    P432   octaOnR3()                    the cube's 24 rotations, elements as unit quaternions

For the octahedral group it also stores the elements (quaternions (x, y, z, w), in escnn's
order, which is the order of the regular representation's basis) and their standard
representation (24, 3, 3), from which tests/test_interop.py derives the element order.
"""

import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).parent / "escnn_group_vectors.npz"


def spaces(gspaces):
    quarter = np.pi / 4
    return {"p2": (gspaces.rot2dOnR2(N=2), (9, 9)),
            "pm": (gspaces.flip2dOnR2(axis=0.0), (9, 9)),
            "cm": (gspaces.flip2dOnR2(axis=3 * quarter), (9, 9)),
            "pmm": (gspaces.flipRot2dOnR2(N=2), (9, 9)),
            "cmm": (gspaces.flipRot2dOnR2(N=2, axis=3 * quarter), (9, 9)),
            "P432": (gspaces.octaOnR3(), (5, 5, 5))}


def vectors(gspaces, enn) -> dict[str, np.ndarray]:
    found = {}
    torch.manual_seed(0)
    for name, (space, size) in spaces(gspaces).items():
        conv_class = enn.R3Conv if len(size) == 3 else enn.R2Conv
        for kind in ("lifting", "correlation"):
            for padding in (0, 1):
                c_in, c_out = (1, 2) if kind == "lifting" else (1, 1)
                rep_in = space.trivial_repr if kind == "lifting" else space.regular_repr
                in_type = enn.FieldType(space, [rep_in] * c_in)
                out_type = enn.FieldType(space, [space.regular_repr] * c_out)
                conv = conv_class(in_type, out_type, kernel_size=3, padding=padding,
                                  bias=False).double()
                conv.eval()
                x = torch.randn(1, in_type.size, *size, dtype=torch.float64)
                with torch.no_grad():
                    y = conv(enn.GeometricTensor(x, in_type)).tensor
                    bank = conv.expand_parameters()[0]
                key = f"escnn/{name}/{kind}/k3/p{padding}"
                found[f"{key}/x"] = x.numpy()
                found[f"{key}/bank"] = bank.detach().numpy().astype(np.float64)
                found[f"{key}/y"] = y.numpy()
        if name == "P432":
            group = space.fibergroup
            elements = list(group.elements)
            found["escnn/P432/quaternions"] = np.array([g.to("Q") for g in elements])
            found["escnn/P432/standard"] = np.array(
                [group.standard_representation(g) for g in elements])
    return found


def main() -> None:
    import escnn
    import escnn.group._numerical as numerical
    numerical.randomized_svd = None     # scikit-learn >= 1.9: fall back to SciPy
    from escnn import gspaces, nn as enn
    arrays = vectors(gspaces, enn)
    np.savez_compressed(OUT, **arrays)
    print(f"{len(arrays)} arrays written to {OUT} (escnn {escnn.__version__}, "
          f"torch {torch.__version__})")


if __name__ == "__main__":
    main()
