"""Reference vectors computed by escnn and e2cnn themselves, for tests/test_interop.py.

Run once, in an environment with torch, escnn and e2cnn (escnn installs with
``pip install escnn --no-deps lie_learn pymanopt autograd``; e2cnn with
``pip install e2cnn==0.2.3 --no-deps``):

    python tests/data/make_escnn_vectors.py      # writes tests/data/escnn_vectors.npz

For C4 and D4, lifting (trivial -> regular) and group (regular -> regular) layers, k 3 and 5,
padding 0 and k // 2: the expanded filter bank each library feeds to conv2d, a random input in
its layout (B, C·S, H, W) and its output, all in float64.
"""

import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).parent / "escnn_vectors.npz"


def vectors(library: str, gspaces, enn) -> dict[str, np.ndarray]:
    found = {}
    torch.manual_seed(0)
    for name, space in (("p4", getattr(gspaces, "rot2dOnR2" if library == "escnn"
                                        else "Rot2dOnR2")(N=4)),
                        ("p4m", getattr(gspaces, "flipRot2dOnR2" if library == "escnn"
                                         else "FlipRot2dOnR2")(N=4))):
        for kind in ("lifting", "correlation"):
            for k in (3, 5):
                for padding in (0, k // 2):
                    c_in, c_out = 2, 3
                    rep_in = space.trivial_repr if kind == "lifting" else space.regular_repr
                    in_type = enn.FieldType(space, [rep_in] * c_in)
                    out_type = enn.FieldType(space, [space.regular_repr] * c_out)
                    conv = enn.R2Conv(in_type, out_type, kernel_size=k, padding=padding,
                                      bias=False).double()
                    conv.eval()
                    x = torch.randn(1, in_type.size, 9, 9, dtype=torch.float64)
                    with torch.no_grad():
                        y = conv(enn.GeometricTensor(x, in_type)).tensor
                        bank = conv.expand_parameters()[0]
                    key = f"{library}/{name}/{kind}/k{k}/p{padding}"
                    found[f"{key}/x"] = x.numpy()
                    found[f"{key}/bank"] = bank.detach().numpy().astype(np.float64)
                    found[f"{key}/y"] = y.numpy()
    return found


def main() -> None:
    arrays = {}
    import escnn
    import escnn.group._numerical as numerical
    numerical.randomized_svd = None     # scikit-learn >= 1.9: fall back to SciPy
    from escnn import gspaces, nn as enn
    arrays.update(vectors("escnn", gspaces, enn))
    try:
        from e2cnn import gspaces as gspaces2, nn as enn2
        arrays.update(vectors("e2cnn", gspaces2, enn2))
    except ImportError as error:
        print(f"e2cnn not available: {error}")
    np.savez_compressed(OUT, **arrays)
    print(f"{len(arrays)} arrays written to {OUT} (escnn {escnn.__version__})")


if __name__ == "__main__":
    main()
