"""Operators and NumPy-style methods of ``Tensor``, attached here to keep tensor.py small."""
from __future__ import annotations

from . import ops
from .ops import arithmetic as _ar
from .ops import linalg as _la
from .ops._util import pair
from .tensor import Tensor, as_tensor


def _compare(ufunc_name: str):
    def compare(self, other):
        other = as_tensor(other, like=self)
        return Tensor._from_op(getattr(self.xp, ufunc_name)(self.data, other.data), False, None, 0)
    compare.__name__ = f"__{ufunc_name}__"
    return compare


def _reflected(op_class):
    def reflected(self, other):
        other = as_tensor(other, like=self)
        return op_class.apply(other, self)
    return reflected


def _forward(op_class):
    def method(self, other):
        return op_class.apply(*pair(self, other))
    return method


def _reshape(self, *shape):
    return ops.reshape(self, *shape)


def _transpose(self, *axes):
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    return ops.transpose(self, axes or None)


def attach() -> None:
    T = Tensor
    # The NumPy-named functions themselves: Python numbers take the cheap scalar ops.
    T.__add__, T.__radd__ = _ar.add, _ar.add.reflected
    T.__sub__, T.__rsub__ = _ar.subtract, _ar.subtract.reflected
    T.__mul__, T.__rmul__ = _ar.multiply, _ar.multiply.reflected
    T.__truediv__, T.__rtruediv__ = _ar.divide, _ar.divide.reflected
    T.__pow__, T.__rpow__ = _ar.power, _ar.power.reflected
    T.__matmul__ = _forward(_la.Matmul)
    T.__rmatmul__ = _reflected(_la.Matmul)
    T.__neg__ = _ar.negative
    T.__getitem__ = ops.getitem
    for name in ("lt", "le", "gt", "ge"):
        setattr(T, f"__{name}__", _compare({"lt": "less", "le": "less_equal",
                                             "gt": "greater", "ge": "greater_equal"}[name]))
    T.__eq__ = _compare("equal")
    T.__ne__ = _compare("not_equal")
    T.__hash__ = object.__hash__  # tensors stay usable as dict keys despite elementwise ==
    for name in ("sum", "mean", "max", "min", "var", "logsumexp", "cumsum", "cumprod",
                 "exp", "log", "log1p", "sqrt", "abs", "tanh", "sigmoid", "relu", "softplus",
                 "clip", "swapaxes", "squeeze", "softmax", "log_softmax"):
        setattr(T, name, getattr(ops, name))
    T.reshape = _reshape
    T.transpose = _transpose
    T.T = property(lambda self: ops.transpose(self))
    T.flatten = lambda self: ops.reshape(self, -1)
    T.ravel = T.flatten
