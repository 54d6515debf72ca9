"""``TensorXP``: the array-module namespace that a ``backward`` sees when its graph is recorded.

A ``backward`` written against ``self.xp`` (``xp.exp``, ``xp.where``, ``xp.broadcast_to``...),
Python operators and the array methods that tensors share (``.sum``, ``.reshape``,
``.transpose``, indexing) runs on raw arrays in the ordinary backward, where ``self.xp`` is
NumPy, CuPy or the stand-in. Under ``create_graph=True`` the engine hands the same ``backward``
tensors instead and sets ``self.xp`` to a ``TensorXP``: the same names, now the engine's own
differentiable ops, so the backward pass is itself recorded and can be differentiated again.

Functions whose result carries no gradient (``sign``, ``isfinite``, ``zeros``, ``arange``...)
return raw arrays of the backend: constants in the recorded graph. A name that has no
differentiable version here raises ``GraphError`` naming it, rather than silently dropping the
graph.
"""
from __future__ import annotations

from typing import Any

import numpy

from . import ops
from .errors import GraphError
from .tensor import Tensor


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


class TensorXP:
    """NumPy names over differentiable tinyaug ops, for one backend (``array_module``)."""

    def __init__(self, array_module: Any) -> None:
        self.array_module = array_module

    # -- differentiable: the engine's ops under their NumPy names -------------------------
    exp = staticmethod(ops.exp)
    log = staticmethod(ops.log)
    log1p = staticmethod(ops.log1p)
    sqrt = staticmethod(ops.sqrt)
    abs = staticmethod(ops.abs)
    tanh = staticmethod(ops.tanh)
    maximum = staticmethod(ops.maximum)
    minimum = staticmethod(ops.minimum)
    clip = staticmethod(ops.clip)
    matmul = staticmethod(ops.matmul)
    einsum = staticmethod(ops.einsum)
    broadcast_to = staticmethod(ops.broadcast_to)
    expand_dims = staticmethod(ops.expand_dims)
    swapaxes = staticmethod(ops.swapaxes)
    transpose = staticmethod(ops.transpose)
    reshape = staticmethod(ops.reshape)
    roll = staticmethod(ops.roll)
    cumsum = staticmethod(ops.cumsum)
    cumprod = staticmethod(ops.cumprod)

    @staticmethod
    def where(condition, a, b):
        return ops.where(_data(condition), a, b)

    @staticmethod
    def concatenate(tensors, axis: int = 0):
        return ops.concatenate(tensors, axis=axis)

    @staticmethod
    def stack(tensors, axis: int = 0):
        return ops.stack(tensors, axis=axis)

    @staticmethod
    def take(x, index: int, axis: int):
        """``take`` of one integer along ``axis``: plain indexing."""
        return x[(slice(None),) * (axis % x.ndim) + (index,)]

    @staticmethod
    def flip(x, axis: int):
        index = [slice(None)] * x.ndim
        index[axis] = slice(None, None, -1)
        return x[tuple(index)]

    @staticmethod
    def moveaxis(x, source: int, destination: int):
        order = [a for a in range(x.ndim) if a != source % x.ndim]
        order.insert(destination % x.ndim, source % x.ndim)
        return ops.transpose(x, order)

    # -- constants: raw arrays of the backend, no gradient --------------------------------
    finfo = staticmethod(numpy.finfo)

    def sign(self, x):
        return self.array_module.sign(_data(x))

    def isfinite(self, x):
        return self.array_module.isfinite(_data(x))

    def zeros(self, shape, dtype=None):
        return self.array_module.zeros(shape, dtype=dtype)

    def ones(self, shape, dtype=None):
        return self.array_module.ones(shape, dtype=dtype)

    def zeros_like(self, x):
        return self.array_module.zeros_like(_data(x))

    def ones_like(self, x):
        return self.array_module.ones_like(_data(x))

    def arange(self, *args, **kwargs):
        return self.array_module.arange(*args, **kwargs)

    def asarray(self, value, dtype=None):
        return value if isinstance(value, Tensor) else self.array_module.asarray(value, dtype=dtype)

    def __getattr__(self, name: str):
        raise GraphError(f"create_graph: a backward called xp.{name}, which has no differentiable "
                         "version in tinyaug.autograd.tensor_xp.TensorXP; add it there (as a "
                         "tinyaug op) or mark the op double_backward = False")

    def __repr__(self) -> str:
        return f"TensorXP({getattr(self.array_module, '__name__', self.array_module)!r})"


_BY_MODULE: dict = {}


def tensor_xp(array_module: Any) -> TensorXP:
    """The (cached) ``TensorXP`` of a backend's array module."""
    found = _BY_MODULE.get(id(array_module))
    if found is None:
        found = _BY_MODULE[id(array_module)] = TensorXP(array_module)
    return found
