"""Ops that move elements without arithmetic: reshape, transpose, indexing, joining, padding."""
from __future__ import annotations

import numpy as np

from ... import backends
from ..errors import ShapeError
from ..function import Function
from ..tensor import Tensor, as_tensor
from ._util import normalize_axis, unbroadcast


class Reshape(Function):
    double_backward = True

    def forward(self, x):
        self.input_shape = x.shape
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape {x.shape} ({x.size} elements) "
                             f"into {tuple(self.shape)}") from None

    def backward(self, grad):
        return grad.reshape(self.input_shape)


def reshape(x, *shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return Reshape.apply(x, shape=shape)


def expand_dims(x, axis):
    axes = normalize_axis(axis, x.ndim + (1 if isinstance(axis, int) else len(axis)), "expand_dims")
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return Reshape.apply(x, shape=tuple(shape))


def squeeze(x, axis=None):
    if axis is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        axes = normalize_axis(axis, x.ndim, "squeeze")
        for a in axes:
            if x.shape[a] != 1:
                raise ShapeError(f"squeeze: axis {a} of shape {x.shape} has length {x.shape[a]}, not 1")
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    return Reshape.apply(x, shape=shape)


class Transpose(Function):
    double_backward = True

    def forward(self, x):
        if self.axes is None:
            self.axes = tuple(range(x.ndim))[::-1]
        if sorted(a % max(x.ndim, 1) for a in self.axes) != list(range(x.ndim)):
            raise ShapeError(f"transpose: axes {tuple(self.axes)} are not a permutation of "
                             f"the {x.ndim} axes of {x.shape}")
        return x.transpose(self.axes)

    def backward(self, grad):
        inverse = [0] * len(self.axes)
        for position, axis in enumerate(self.axes):
            inverse[axis % len(self.axes)] = position
        return grad.transpose(inverse)


def transpose(x, axes=None):
    return Transpose.apply(x, axes=None if axes is None else tuple(axes))


def swapaxes(x, axis1: int, axis2: int):
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return Transpose.apply(x, axes=tuple(axes))


class BroadcastTo(Function):
    double_backward = True

    def forward(self, x):
        self.input_shape = x.shape
        return self.xp.broadcast_to(x, self.shape)

    def backward(self, grad):
        return unbroadcast(grad, self.input_shape)


def broadcast_to(x, shape):
    return BroadcastTo.apply(x, shape=tuple(shape))


def _selects_each_element_once(index, shape) -> bool:
    """True when ``index`` is basic, or holds one host (NumPy) boolean mask or 1-D integer
    array beside basic parts, with no integer repeated (negative ones counted as their
    positive twins). Then ``full[index] = grad`` is the gradient and the far slower
    ``add.at`` (≈ 30× here for 100 rows of 128) is not needed. Device index arrays are not
    inspected (that would copy them to the host); they take the ``add.at`` path."""
    parts = index if type(index) is tuple else (index,)
    arrays = [p for p in parts if not (p is None or p is Ellipsis or isinstance(p, (int, slice)))]
    if not arrays:
        return True
    if len(arrays) > 1 or type(arrays[0]) is not np.ndarray or any(p is Ellipsis for p in parts):
        return False
    array = arrays[0]
    if array.dtype == np.bool_:
        return True
    if array.ndim != 1 or array.dtype.kind not in "iu" or array.size == 0:
        return array.size == 0
    axis = 0  # the axis this array indexes: parts before it that consume an axis
    for part in parts:
        if part is array:
            break
        if part is not None:
            axis += 1
    length = shape[axis]
    positions = np.where(array < 0, array + length, array)
    return bool(np.bincount(positions, minlength=length).max() <= 1)


class GetItem(Function):
    """``x[index]``: slices, ints, None, Ellipsis, integer arrays (repeats accumulate), masks."""

    double_backward = True

    def forward(self, x):
        self.input_shape, self.dtype = x.shape, x.dtype
        return x[self.index]

    def backward(self, grad):
        once = _selects_each_element_once(self.index, self.input_shape)
        if type(grad) is Tensor:  # create_graph: the scatter becomes a recorded op
            return ScatterAdd.apply(grad, index=self.index, shape=self.input_shape, once=once)
        full = self.xp.zeros(self.input_shape, dtype=grad.dtype)  # _scatter_into_zeros, inlined
        if once:
            full[self.index] = grad
        else:
            backends.backend_of(full).scatter_add(full, self.index, grad)
        return full


def _unwrap_index(index):
    if isinstance(index, Tensor):
        return index.data
    if type(index) is tuple:
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if type(index) is list:  # NumPy reads a list index as an integer array
        import numpy as np
        return np.asarray(index)
    return index


def getitem(x, index):
    return GetItem.apply(x, index=_unwrap_index(index))


def _scatter_into_zeros(xp, values, index, shape: tuple, once: bool):
    full = xp.zeros(shape, dtype=values.dtype)
    if once:
        full[index] = values
    else:
        backends.backend_of(full).scatter_add(full, index, values)
    return full


class ScatterAdd(Function):
    """Zeros of ``shape`` with ``values`` added at ``index`` (repeated positions accumulate;
    ``once``: no position repeats, so plain assignment does): the adjoint of indexing. It is
    the backward of ``GetItem`` and ``TakeAlongAxis`` when their graph is recorded
    (``create_graph``); its own backward is indexing again."""

    double_backward = True

    def forward(self, values):
        return _scatter_into_zeros(self.xp, values, self.index, self.shape, self.once)

    def backward(self, grad):
        return grad[self.index]


class Concatenate(Function):
    double_backward = True

    def forward(self, *arrays):
        ndim = arrays[0].ndim
        self.axis = normalize_axis(self.axis, ndim, "concatenate")[0]
        for a in arrays[1:]:
            if a.ndim != ndim or any(s != t for i, (s, t) in enumerate(zip(a.shape, arrays[0].shape))
                                     if i != self.axis):
                raise ShapeError("concatenate: shapes " + ", ".join(str(b.shape) for b in arrays)
                                 + f" differ outside axis {self.axis}")
        self.sizes = [a.shape[self.axis] for a in arrays]
        return self.xp.concatenate(arrays, axis=self.axis)

    def backward(self, grad):
        grads, start = [], 0
        index = [slice(None)] * grad.ndim
        for size in self.sizes:
            index[self.axis] = slice(start, start + size)
            grads.append(grad[tuple(index)])
            start += size
        return tuple(grads)


def concatenate(tensors, axis: int = 0):
    tensors = list(tensors)
    if not tensors:
        raise ShapeError("concatenate: needs at least one tensor")
    return Concatenate.apply(*tensors, axis=axis)


class Stack(Function):
    double_backward = True

    def forward(self, *arrays):
        shapes = {a.shape for a in arrays}
        if len(shapes) != 1:
            raise ShapeError("stack: all inputs must have one shape, got "
                             + ", ".join(str(a.shape) for a in arrays))
        self.axis = normalize_axis(self.axis, arrays[0].ndim + 1, "stack")[0]
        return self.xp.stack(arrays, axis=self.axis)

    def backward(self, grad):
        return tuple(self.xp.take(grad, i, axis=self.axis) for i in range(grad.shape[self.axis]))


def stack(tensors, axis: int = 0):
    tensors = list(tensors)
    if not tensors:
        raise ShapeError("stack: needs at least one tensor")
    return Stack.apply(*tensors, axis=axis)


class Split(Function):
    """``split(x, sections, axis)``: several outputs; unused pieces get zero gradient."""

    double_backward = True

    def forward(self, x):
        self.axis = normalize_axis(self.axis, x.ndim, "split")[0]
        try:
            pieces = self.xp.split(x, self.sections, axis=self.axis)
        except ValueError:
            raise ShapeError(f"split: axis {self.axis} of length {x.shape[self.axis]} cannot be "
                             f"split into {self.sections} equal sections") from None
        return tuple(pieces)

    def backward(self, *grads):
        return self.xp.concatenate(grads, axis=self.axis)


def split(x, indices_or_sections, axis: int = 0):
    """NumPy's ``split``: a list of tensors."""
    sections = indices_or_sections
    if not isinstance(sections, int):
        sections = list(sections)
    return list(Split.apply(x, sections=sections, axis=axis))


class Pad(Function):
    """Constant padding (NumPy's ``pad_width``); the gradient is the un-padded slice."""

    double_backward = True

    def forward(self, x):
        width = _pad_pairs(self.pad_width, x.ndim)
        self.window = tuple(slice(lo, lo + n) for (lo, _), n in zip(width, x.shape))
        return self.xp.pad(x, width, mode="constant", constant_values=self.value)

    def backward(self, grad):
        return grad[self.window]


def pad(x, pad_width, constant_values: float = 0.0):
    return Pad.apply(x, pad_width=pad_width, value=constant_values)


def _pad_pairs(pad_width, ndim):
    if isinstance(pad_width, int):
        return [(pad_width, pad_width)] * ndim
    pairs = [tuple(p) if not isinstance(p, int) else (p, p) for p in pad_width]
    if len(pairs) == 1:
        pairs = pairs * ndim
    if len(pairs) != ndim:
        raise ShapeError(f"pad: pad_width has {len(pairs)} pairs for an array with {ndim} dimensions")
    return pairs


class Roll(Function):
    double_backward = True

    def forward(self, x):
        return self.xp.roll(x, self.shift, axis=self.axis)

    def backward(self, grad):
        shift = -self.shift if isinstance(self.shift, int) else tuple(-s for s in self.shift)
        return self.xp.roll(grad, shift, axis=self.axis)


def roll(x, shift, axis=None):
    return Roll.apply(x, shift=shift, axis=axis)


class TakeAlongAxis(Function):
    """``take_along_axis(x, indices, axis)``; repeated indices accumulate in backward."""

    double_backward = True

    def forward(self, x, indices):
        self.axis = normalize_axis(self.axis, x.ndim, "take_along_axis")[0]
        if indices.ndim != x.ndim:
            raise ShapeError(f"take_along_axis: indices {indices.shape} and array {x.shape} "
                             "must have the same number of dimensions")
        self.input_shape, self.indices = x.shape, indices
        return self.xp.take_along_axis(x, indices, axis=self.axis)

    def backward(self, grad):
        indices = self.indices.data if type(self.indices) is Tensor else self.indices  # create_graph
        xp = backends.backend_of(indices).xp
        shape = indices.shape
        index = []
        for dim in range(len(shape)):
            if dim == self.axis:
                index.append(indices)
            else:
                view = [1] * len(shape)
                view[dim] = shape[dim]
                index.append(xp.arange(shape[dim]).reshape(view))
        index = tuple(xp.broadcast_to(i, shape) for i in index)
        if type(grad) is Tensor:  # create_graph: the scatter becomes a recorded op
            return ScatterAdd.apply(grad, index=index, shape=self.input_shape, once=False), None
        return _scatter_into_zeros(xp, grad, index, self.input_shape, False), None


def take_along_axis(x, indices, axis: int):
    return TakeAlongAxis.apply(x, as_tensor(indices, like=x), axis=axis)
