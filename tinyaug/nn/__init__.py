"""Modules and layers for training: ``Module``, ``Linear``, ``Embedding``, ``Sequential``, init."""
from . import init
from .layers import Embedding, Linear, Sequential, make_parameter
from .module import Module
from .synthetic_gradient import SyntheticGradient
from ..autograd import Parameter

__all__ = ["Embedding", "Linear", "Module", "Parameter", "Sequential", "SyntheticGradient", "init", "make_parameter"]
