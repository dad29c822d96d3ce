"""The paper's networks for rotated MNIST: Z2CNN, P4CNN, P4MCNN (Cohen & Welling 2016, sec. 8.1).

Seven layers of 3x3 correlations (4x4 in the last), batch normalisation and ReLU after each
but the last, 2x2 max pooling after layer 2, then the projection over the stabiliser (max over
orientations) and a global mean over space: the logits are invariant to the rotations (and,
for P4M, mirrors) of the input about its centre. One builder for every group: the Z2CNN is the
same network with G = Z2 (S = 1). Default widths keep the parameter counts comparable (20
channels for Z2, 10 per orientation for P4, 7 for P4M: about 3600 weights per 3x3 layer).

Exactness of the invariance: every correlation is "valid" (exact for every k), and the 2x2
pooling after layer 2 is exact when the pooling grid is symmetric about the centre,
(n - 4 - 2) % 2 == 0; with the final 4x4 layer the input size n must be even and at least 28.
``network_sizes`` gives the spatial size after each stage; the builders refuse other sizes, and
the network refuses them again at call time (its pooling layer is built with ``exact=True``),
naming the layer and the size it was given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..arguments import choice, generator, integer
from ..groups import P4, P4M, Z2, SemidirectProduct, get_group
from .base import InputSizes, Sequential
from .conv import GroupConv, LiftingConv
from .layers import BatchNorm, Dropout, GlobalPool, Linear, ReLU, SpatialPool, SubgroupPool

__all__ = ["gcnn", "z2cnn", "p4cnn", "p4mcnn", "network_sizes", "hexagonal_gcnn", "p6cnn",
           "p6mcnn", "voxel_gcnn", "line_gcnn"]


def network_sizes(input_size: int) -> list[int]:
    """Spatial size after: conv1, conv2, pool, conv3..conv6, conv7 (4x4).

    Parameters
    ----------
    input_size : int
        The images' side: even, at least 28.

    Returns
    -------
    list of int
        The eight sides, the last 1 for 28.

    Examples
    --------
    >>> from groupconv import nn
    >>> nn.network_sizes(28)
    [26, 24, 12, 10, 8, 6, 4, 1]
    """
    input_size = integer(input_size, "input_size")
    if input_size < 28:
        raise ValueError(f"input size {input_size} is too small for 7 layers (at least 28)")
    sizes = [input_size - 2, input_size - 4]
    pool = SpatialPool(2)
    if not pool.exact_for(sizes[-1], sizes[-1]):
        raise ValueError(f"input size {input_size}: the 2x2 pooling after layer 2 is exact only "
                         f"when (n - 4 - 2) % 2 == 0, i.e. n even; got n = {input_size}")
    sizes.append(sizes[-1] // 2)
    for _ in range(4):
        sizes.append(sizes[-1] - 2)
    sizes.append(sizes[-1] - 3)
    return sizes


def _blocks(dropout: float, per: str, after: Sequence[int] | None, blocks: int
            ) -> Callable[[Any, int, Any, np.random.Generator], list]:
    """The block builder of a network of ``blocks`` blocks: a correlation layer, batch
    normalisation, ReLU and, with ``dropout`` > 0 after the blocks ``after`` (1-based; None
    for every block), a Dropout (``per`` channel or element)."""
    choice(per, "dropout_per", ("channel", "element"))
    if after is None:
        after = range(1, blocks + 1)
    if isinstance(after, (str, bytes)) or not hasattr(after, "__iter__"):
        raise TypeError(f"dropout_after must be a sequence of block numbers in 1..{blocks} (or "
                        f"None), got {after!r}")
    after = tuple(after)
    if any(isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer))
           or not 1 <= i <= blocks for i in after):
        raise ValueError(f"dropout_after must hold block numbers in 1..{blocks}, got {after!r}")
    counter = iter(range(1, blocks + 1))

    def block(conv, width: int, dtype, rng: np.random.Generator) -> list:
        drop = dropout and next(counter) in after
        return [conv, BatchNorm(width, dtype=dtype), ReLU()] + \
            ([Dropout(dropout, per=per, rng=rng)] if drop else [])

    return block


def _counts(width: Any, n_classes: Any, in_channels: Any) -> tuple[int, int, int]:
    """A network builder's width, classes and input channels, checked by their own names."""
    return (integer(width, "width"), integer(n_classes, "n_classes", 2),
            integer(in_channels, "in_channels"))


def gcnn(group: SemidirectProduct | str, width: int, *, n_classes: int = 10,
         in_channels: int = 1, input_size: int = 28, rng: np.random.Generator | int | None = 0,
         dtype=np.float32, dropout: float = 0.0, dropout_per: str = "channel",
         dropout_after: Sequence[int] | None = None) -> Sequential:
    """The 7-layer G-CNN on ``group`` with ``width`` channels (per orientation).

    Cohen & Welling's released Z2CNN drops entries at 0.3 after blocks 1, 3, 4, 5 and 6
    (``dropout_per="element"``, ``dropout_after=(1, 3, 4, 5, 6)``); their P4CNN has no dropout.

    Parameters
    ----------
    group : SemidirectProduct or str
        A group on the square lattice: "z2", "p4", "p4m" (any of p1 ... p4m).
    width : int
        Channels per orientation of every hidden layer.
    n_classes : int, default 10
        Output channels: the logits (at least 2).
    in_channels : int, default 1
        Channels of the input images (B, in_channels, n, n).
    input_size : int, default 28
        The side n of the images the network is built for: even and at least 28
        (``network_sizes``), so that the 2x2 pooling is exact and the logits are exactly
        invariant. Checked here; the network itself runs on any images of even sides of at
        least 28 (it ends with a global pool), square or not (rotations then turn the shape).
    rng : numpy.random.Generator or int or None, default 0
        The initialisation's random numbers.
    dtype : numpy dtype, default numpy.float32
        The parameters' dtype, in which the network computes.
    dropout : float, default 0.0
        With dropout > 0, a ``Dropout(dropout, per=dropout_per)`` after the ReLU of the blocks
        numbered in ``dropout_after``.
    dropout_per : {"channel", "element"}, default "channel"
        Drop whole G-channels (equivariant) or single entries.
    dropout_after : sequence of int or None, default None
        The blocks (1..6) followed by dropout; None: all six.

    Returns
    -------
    Sequential
        The network: images (B, in_channels, n, n) -> logits (B, n_classes).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> net = nn.gcnn("p4", 2, n_classes=3, input_size=28)
    >>> x = np.random.default_rng(0).standard_normal((1, 1, 28, 28)).astype(np.float32)
    >>> net(x).shape
    (1, 3)
    >>> bool(np.allclose(net(x), net(np.rot90(x, 1, axes=(-2, -1))), atol=1e-5))
    True
    """
    group = get_group(group)
    if group.lattice != "square":
        other = {"hexagonal": "use hexagonal_gcnn (p6cnn, p6mcnn) on the hexagonal lattice",
                 "cubic": "use voxel_gcnn on the cubic lattice Z^3",
                 "line": "use line_gcnn on the line Z"}.get(
            group.lattice, "give a group of the square lattice (z2, p4, p4m, ...)")
        raise ValueError(f"gcnn builds the paper's networks on the square lattice (2x2 pooling), "
                         f"got {group.name}; {other}")
    network_sizes(input_size)  # refuses sizes for which the invariance would not be exact
    width, n_classes, in_channels = _counts(width, n_classes, in_channels)
    rng = generator(rng, "rng")
    opts = dict(rng=rng, dtype=dtype, bias=False)  # batch normalisation follows: no bias
    make = _blocks(dropout, dropout_per, dropout_after, 6)

    def block(conv):
        return make(conv, width, dtype, rng)

    layers = block(LiftingConv(group, in_channels, width, 3, **opts)) + \
        block(GroupConv(group, width, width, 3, **opts)) + [SpatialPool(2, kind="max",
                                                                        exact=True)]
    for _ in range(4):
        layers += block(GroupConv(group, width, width, 3, **opts))
    layers += [GroupConv(group, width, n_classes, 4, rng=rng, dtype=dtype), SubgroupPool("max"),
               GlobalPool("mean")]
    # the sizes network_sizes takes: n even (exact pooling) and at least 28 (seven layers)
    return Sequential(layers, name=f"{group.name}CNN", input_sizes=InputSizes(28, 2))


def z2cnn(width: int = 20, **kwargs) -> Sequential:
    """Z2CNN: the plain CNN (translations only). ``gcnn(Z2, width, **kwargs)``.

    Parameters
    ----------
    width : int, default 20
        Channels per orientation (21,630 parameters at the default; the authors' code has
        120 more: the biases of the convolutions a batch normalisation follows, left out
        here).
    **kwargs
        The options of ``gcnn``: n_classes=10, in_channels=1, input_size=28, rng=0,
        dtype=numpy.float32, dropout=0.0, dropout_per="channel", dropout_after=None.

    Returns
    -------
    Sequential
        The network: images (B, in_channels, n, n) -> logits (B, n_classes).

    Examples
    --------
    >>> from groupconv import nn
    >>> net = nn.z2cnn()
    >>> sum(p.size for p in net.params.values())
    21630
    >>> net = nn.z2cnn(width=4, n_classes=2, input_size=32, dropout=0.3)
    """
    return gcnn(Z2, width, **kwargs)


def p4cnn(width: int = 10, **kwargs) -> Sequential:
    """P4CNN: invariant to rotations by multiples of 90 degrees. ``gcnn(P4, width, **kwargs)``.

    Parameters
    ----------
    width : int, default 10
        Channels per orientation (24,620 parameters at the default; the authors' code has 60
        more: the biases of the convolutions a batch normalisation follows, left out here).
    **kwargs
        The options of ``gcnn``: n_classes=10, in_channels=1, input_size=28, rng=0,
        dtype=numpy.float32, dropout=0.0, dropout_per="channel", dropout_after=None.

    Returns
    -------
    Sequential
        The network: images (B, in_channels, n, n) -> logits (B, n_classes).

    Examples
    --------
    >>> from groupconv import nn
    >>> net = nn.p4cnn()
    >>> sum(p.size for p in net.params.values())
    24620
    >>> net = nn.p4cnn(width=4, n_classes=2, input_size=32, dropout=0.3)
    """
    return gcnn(P4, width, **kwargs)


def p4mcnn(width: int = 7, **kwargs) -> Sequential:
    """P4MCNN: invariant to rotations by multiples of 90 degrees and to mirrors. ``gcnn(P4M, width, **kwargs)``.

    Parameters
    ----------
    width : int, default 7
        Channels per orientation (26,757 parameters at the default, about the Z2CNN's and
        the P4CNN's).
    **kwargs
        The options of ``gcnn``: n_classes=10, in_channels=1, input_size=28, rng=0,
        dtype=numpy.float32, dropout=0.0, dropout_per="channel", dropout_after=None.

    Returns
    -------
    Sequential
        The network: images (B, in_channels, n, n) -> logits (B, n_classes).

    Examples
    --------
    >>> from groupconv import nn
    >>> net = nn.p4mcnn()
    >>> sum(p.size for p in net.params.values())
    26757
    >>> net = nn.p4mcnn(width=4, n_classes=2, input_size=32, dropout=0.3)
    """
    return gcnn(P4M, width, **kwargs)


def hexagonal_gcnn(group: SemidirectProduct | str, width: int, *, n_classes: int = 10,
                   in_channels: int = 1, input_size: int = 15,
                   rng: np.random.Generator | int | None = 0, dtype=np.float32,
                   dropout: float = 0.0) -> Sequential:
    """A G-CNN on the hexagonal lattice (p3, p3m1, p31m, p6, p6m): inputs are hexagonal
    arrays (axial coordinates, side ``input_size`` odd, the hexagon about the centre holding
    the image), (input_size - 1) / 2 "valid" layers of 7-cell hexagonal kernels (3 x 3
    arrays) with batch normalisation and ReLU, the last one down to a single cell, then the
    projection over the stabiliser (max) and the mean over the 1 x 1 plane.

    The logits are exactly invariant to the point group's rotations and mirrors of the input
    hexagon about its centre: each layer is exactly equivariant on the hexagon (the cells
    outside it are ignored), and the last one ends at the centre. No 2 x 2 pooling: square
    blocks are not hexagons.

    Parameters
    ----------
    group : SemidirectProduct or str
        A hexagonal lattice group.
    width : int
        Channels per orientation.
    n_classes, in_channels : int
        The logits and the input's channels.
    input_size : int
        The hexagonal arrays' side, odd, at least 5.
    rng : numpy.random.Generator or int, optional
        Draws the weights.
    dtype : dtype
        float32 or float64.
    dropout : float
        Whole channels dropped after each block but the last, at this rate.

    Returns
    -------
    Sequential
        Hexagonal arrays (B, in_channels, n, n) -> logits (B, n_classes).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> net = nn.hexagonal_gcnn("p3", 2, n_classes=3, input_size=7)
    >>> net(np.ones((2, 1, 7, 7), np.float32)).shape
    (2, 3)
    """
    group = get_group(group)
    if group.lattice != "hexagonal":
        raise ValueError(f"hexagonal_gcnn builds networks on the hexagonal lattice (p3, p3m1, "
                         f"p31m, p6, p6m), got {group.name}; use gcnn for the square lattice")
    input_size = integer(input_size, "input_size", 5, 1025)
    width, n_classes, in_channels = _counts(width, n_classes, in_channels)
    if input_size % 2 == 0:
        raise ValueError(f"input_size must be odd and at least 5 (a hexagon about a centre "
                         f"cell, two layers or more), got {input_size!r}")
    rng = generator(rng, "rng")
    opts = dict(rng=rng, dtype=dtype, bias=False)  # batch normalisation follows: no bias
    make = _blocks(dropout, "channel", None, (input_size - 1) // 2 - 1)

    def block(conv):
        return make(conv, width, dtype, rng)

    layers = block(LiftingConv(group, in_channels, width, 3, **opts))
    for _ in range((input_size - 1) // 2 - 2):
        layers += block(GroupConv(group, width, width, 3, **opts))
    layers += [GroupConv(group, width, n_classes, 3, rng=rng, dtype=dtype), SubgroupPool("max"),
               GlobalPool("mean")]
    # hexagons of odd side, large enough for (input_size - 1) / 2 "valid" layers
    return Sequential(layers, name=f"{group.name}CNN", input_sizes=InputSizes(input_size, 2))


def p6cnn(width: int = 8, **kwargs) -> Sequential:
    """P6CNN: invariant to rotations by multiples of 60 degrees of a hexagonal input.
    ``hexagonal_gcnn("p6", width, **kwargs)``.

    Parameters
    ----------
    width : int, default 8
        Channels per orientation.
    **kwargs
        The options of ``hexagonal_gcnn``.

    Returns
    -------
    Sequential

    Examples
    --------
    >>> from groupconv import nn
    >>> net = nn.p6cnn(width=2, input_size=7)
    >>> net.input_sizes.accepts(9), net.input_sizes.accepts(8)
    (True, False)
    """
    return hexagonal_gcnn("p6", width, **kwargs)


def p6mcnn(width: int = 6, **kwargs) -> Sequential:
    """P6MCNN: invariant to rotations by multiples of 60 degrees and to mirrors.
    ``hexagonal_gcnn("p6m", width, **kwargs)``.

    Parameters
    ----------
    width : int, default 6
        Channels per orientation.
    **kwargs
        The options of ``hexagonal_gcnn``.

    Returns
    -------
    Sequential

    Examples
    --------
    >>> from groupconv import nn
    >>> nn.p6mcnn(width=2, input_size=7).layers[0].bank.group.name
    'P6M'
    """
    return hexagonal_gcnn("p6m", width, **kwargs)


def voxel_gcnn(group: SemidirectProduct | str, width: int, *, n_classes: int = 8,
               in_channels: int = 1, input_size: int = 9, rng: np.random.Generator | int | None = 0,
               dtype=np.float32, dropout: float = 0.0) -> Sequential:
    """A G-CNN on volumes (B, C, D, H, W), in the style of Winkels & Cohen's 3D G-CNNs: a lifting
    layer and group correlations with 3 x 3 x 3 kernels ("valid"), batch normalisation and ReLU
    after each, until the volume is 3 voxels wide or less, then the projection over the point
    group (max), the mean over the volume and a linear layer to the classes.

    Parameters
    ----------
    group : SemidirectProduct or str
        A group on Z^3: "z3" (a plain 3D CNN), "P432" (O), "Pm-3m" (Oh), "P4/mmm" (D4h), ...
    width : int
        Channels per point sample.
    n_classes, in_channels, input_size : int
        The classes, the input's channels and its side (at least 5).
    rng, dtype, dropout
        As in ``gcnn``.

    Returns
    -------
    Sequential
        Its logits are exactly invariant to the point group's rotations (and mirrors) of the
        input volume about its centre: every layer is exactly equivariant, and the pools are
        invariant.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> net = nn.voxel_gcnn("P432", 2, input_size=7)
    >>> net(np.zeros((1, 1, 7, 7, 7), np.float32)).shape
    (1, 8)
    """
    group = get_group(group)
    if group.dim != 3 or group.lattice != "cubic":
        raise ValueError(f"voxel_gcnn builds networks on the cubic lattice Z^3 (z3, P432, "
                         f"Pm-3m, P4/mmm, ...), got {group.name}")
    input_size = integer(input_size, "input_size", 5, 1024)    # at least two 3 x 3 x 3 layers
    width, n_classes, in_channels = _counts(width, n_classes, in_channels)
    rng = generator(rng, "rng")
    opts = dict(rng=rng, dtype=dtype, bias=False)  # batch normalisation follows: no bias
    make = _blocks(dropout, "channel", None, 1 + max(0, (input_size - 4) // 2))

    def block(conv):
        return make(conv, width, dtype, rng)

    layers = block(LiftingConv(group, in_channels, width, 3, **opts))
    size = input_size - 2
    while size > 3:
        layers += block(GroupConv(group, width, width, 3, **opts))
        size -= 2
    layers += [SubgroupPool("max"), GlobalPool("mean"), Linear(width, n_classes, rng=rng,
                                                               dtype=dtype)]
    convolutions = (input_size - size) // 2      # "valid" 3 x 3 x 3 layers: any n >= 2 L + 1
    return Sequential(layers, name=f"voxel G-CNN on {group.name}",
                      input_sizes=InputSizes(2 * convolutions + 1))


def _line_stages(n: int) -> tuple[list[str], int]:
    """The stages of ``line_gcnn`` for signals of n samples: "conv" (3 taps, "valid": n - 2),
    and after every two convolutions a pool that halves n and stays exactly equivariant to the
    mirror about the centre: 2 wide for even n, 3 wide for odd n (both stride 2:
    (n - size) % 2 == 0), until at most 3 samples are left. Returns the stages and that size."""
    stages, n, since = ["conv"], n - 2, 1
    while n > 3:
        if since >= 2 and n >= 8:
            stages.append("pool2" if n % 2 == 0 else "pool3")
            n, since = n // 2, 0      # (n - 2) // 2 + 1 or (n - 3) // 2 + 1 windows
        else:
            stages.append("conv")
            n, since = n - 2, since + 1
    return stages, n


def line_gcnn(group: SemidirectProduct | str, width: int, *, n_classes: int = 2,
              in_channels: int = 1, input_size: int = 64,
              rng: np.random.Generator | int | None = 0, dtype=np.float32,
              dropout: float = 0.0) -> Sequential:
    """A G-CNN on signals (B, C, L) for a group on the line (z1: a plain 1D CNN; z1m: with the
    mirror u -> -u): correlations of 3 taps ("valid"), batch normalisation and ReLU after each,
    and after every two of them a pool of stride 2 that halves the signal (2 wide on an even
    length, 3 wide on an odd one, so that each window has its mirror image), until at most 3
    samples are left; then the projection over the point group (max), the mean over the signal
    and a linear layer to the classes.

    Parameters
    ----------
    group : SemidirectProduct or str
        A group on the line: "z1" or "z1m".
    width : int
        Channels per point sample.
    n_classes, in_channels : int
        The classes (at least 2) and the input's channels.
    input_size : int, default 64
        The signal length the network is built for (at least 5); it takes lengths
        input_size + 2^p j, p its number of pools, on which every pool stays exact.
    rng, dtype, dropout
        As in ``gcnn``.

    Returns
    -------
    Sequential
        Its logits are exactly invariant to the mirror of the signal about its centre (for
        z1m): every layer is exactly equivariant, and the pools are invariant.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> net = nn.line_gcnn("z1m", 3, input_size=40)
    >>> x = np.random.default_rng(0).standard_normal((2, 1, 40)).astype(np.float32)
    >>> net(x).shape
    (2, 2)
    >>> bool(np.allclose(net(x), net(x[..., ::-1]), atol=1e-5))
    True
    """
    group = get_group(group)
    if group.dim != 1 or group.lattice != "line":
        raise ValueError(f"line_gcnn builds networks on the line Z (z1, z1m), got {group.name}")
    input_size = integer(input_size, "input_size", 5, 2**20)
    width, n_classes, in_channels = _counts(width, n_classes, in_channels)
    rng = generator(rng, "rng")
    stages, _ = _line_stages(input_size)
    opts = dict(rng=rng, dtype=dtype, bias=False)  # batch normalisation follows: no bias
    make = _blocks(dropout, "channel", None, stages.count("conv"))

    def block(conv):
        return make(conv, width, dtype, rng)

    layers = block(LiftingConv(group, in_channels, width, 3, **opts))
    for stage in stages[1:]:
        if stage == "conv":
            layers += block(GroupConv(group, width, width, 3, **opts))
        else:
            layers.append(SpatialPool(2 if stage == "pool2" else 3, stride=2, exact=True))
    layers += [SubgroupPool("max"), GlobalPool("mean"), Linear(width, n_classes, rng=rng,
                                                               dtype=dtype)]
    pools = len(stages) - stages.count("conv")
    return Sequential(layers, name=f"line G-CNN on {group.name}",
                      input_sizes=InputSizes(input_size, 2**pools))
