"""Modules and layers for training: ``Module``, ``Linear``, ``Embedding``, ``Sequential``, init."""
from . import init
from .layers import Embedding, Linear, Sequential, make_parameter
from .module import Module
from ..autograd import Parameter

__all__ = ["Embedding", "Linear", "Module", "Parameter", "Sequential", "init", "make_parameter"]
