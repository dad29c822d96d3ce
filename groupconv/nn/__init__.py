"""The layers of a G-CNN with gradients, the paper's networks, and training, in NumPy.

Built on the fast path only: convolutions go through ``groupconv.engine`` with filter banks
from ``groupconv.banks``.
"""

from .base import Layer, Sequential
from .conv import BankConv, GroupConv, LiftingConv
from .gradcheck import check_gradients
from .layers import (
    BatchNorm, Dropout, Flatten, GlobalPool, Linear, ReLU, SiLU, SpatialPool, SubgroupPool,
)
from .networks import gcnn, hexagonal_gcnn, network_sizes, p4cnn, p4mcnn, p6cnn, p6mcnn, z2cnn
from .train import SGD, Adam, accuracy, fit, minibatches, predict, softmax_cross_entropy

__all__ = [
    "Layer", "Sequential", "BankConv", "LiftingConv", "GroupConv", "ReLU", "SiLU",
    "SubgroupPool", "SpatialPool", "BatchNorm", "GlobalPool", "Flatten", "Linear", "Dropout",
    "gcnn", "z2cnn", "p4cnn", "p4mcnn", "hexagonal_gcnn", "p6cnn", "p6mcnn", "network_sizes",
    "check_gradients",
    "softmax_cross_entropy", "SGD", "Adam", "minibatches", "fit", "predict", "accuracy",
]
