"""Helpers shared by the ops' backward passes."""
from __future__ import annotations

from ..errors import ShapeError
from ..tensor import Tensor, as_tensor


def unbroadcast(grad, shape: tuple):
    """Sum ``grad`` back down to ``shape``: the adjoint of NumPy broadcasting."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def normalize_axis(axis, ndim: int, op: str) -> tuple:
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    result = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ShapeError(f"{op}: axis {a} is out of range for an array with {ndim} dimensions")
        result.append(a % max(ndim, 1))
    return tuple(sorted(result))


def expand_reduced(grad, input_shape: tuple, axes: tuple, keepdims: bool):
    """Reshape a reduction's gradient so that it broadcasts against the input."""
    if not keepdims:
        shape = list(input_shape)
        for a in axes:
            shape[a] = 1
        grad = grad.reshape(shape)
    return grad


def pair(a, b):
    """Both operands of a binary op as tensors; a Python number takes the other's dtype."""
    if isinstance(a, Tensor):
        return a, as_tensor(b, like=a)
    b = b if isinstance(b, Tensor) else as_tensor(b)
    return as_tensor(a, like=b), b
