"""The layers of a G-CNN with gradients, the paper's networks (and a 3D one), and training, on
any array library.

Built on the fast path only: convolutions go through ``groupconv.fast.correlate`` with filter
banks from ``groupconv.fast.banks``.
"""

from .base import InputSizes, Layer, LayerParameters, Parameters, Sequential
from .conv import BankConv, GroupConv, LiftingConv
from .gradcheck import check_gradients
from .layers import (
    BatchNorm, Dropout, Flatten, GlobalPool, Linear, ReLU, SiLU, SpatialPool, SubgroupPool,
)
from .networks import (
    gcnn, hexagonal_gcnn, line_gcnn, network_sizes, p4cnn, p4mcnn, p6cnn, p6mcnn, voxel_gcnn,
    z2cnn,
)
from .saving import load, load_optimizer, save
from .train import (
    SGD, Adam, accuracy, evaluate, fit, minibatches, predict, softmax_cross_entropy,
)

__all__ = [
    "Layer", "Sequential", "Parameters", "LayerParameters", "InputSizes", "BankConv",
    "LiftingConv", "GroupConv",
    "ReLU", "SiLU", "SubgroupPool", "SpatialPool", "BatchNorm", "GlobalPool", "Flatten", "Linear",
    "Dropout",
    "gcnn", "z2cnn", "p4cnn", "p4mcnn", "hexagonal_gcnn", "p6cnn", "p6mcnn", "voxel_gcnn",
    "line_gcnn", "network_sizes",
    "check_gradients",
    "softmax_cross_entropy", "SGD", "Adam", "minibatches", "fit", "predict", "evaluate",
    "accuracy", "save", "load", "load_optimizer",
]
