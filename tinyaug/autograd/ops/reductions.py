"""Reductions over ``axis`` (None, an int or a tuple) with ``keepdims``, and cumulative ops.

``max``/``min`` split the gradient equally among tied maxima (a valid subgradient that, unlike
giving the whole gradient to every tie, keeps the total right).
"""
from __future__ import annotations

from ..function import Function
from ._util import expand_reduced, normalize_axis


class Sum(Function):
    double_backward = True

    def forward(self, x):
        self.shape = x.shape
        self.axes = normalize_axis(self.axis, x.ndim, "sum")
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad):
        grad = expand_reduced(grad, self.shape, self.axes, self.keepdims)
        return self.xp.broadcast_to(grad, self.shape)


def sum(x, axis=None, keepdims: bool = False):  # noqa: A001 - NumPy's name
    return Sum.apply(x, axis=axis, keepdims=keepdims)


class Mean(Function):
    double_backward = True

    def forward(self, x):
        self.shape = x.shape
        self.axes = normalize_axis(self.axis, x.ndim, "mean")
        count = 1
        for a in self.axes:
            count *= x.shape[a]
        self.count = count
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad):
        grad = expand_reduced(grad, self.shape, self.axes, self.keepdims)
        return self.xp.broadcast_to(grad / self.count, self.shape)


def mean(x, axis=None, keepdims: bool = False):
    return Mean.apply(x, axis=axis, keepdims=keepdims)


class _Extremum(Function):
    double_backward = True

    _reduce = "max"

    def forward(self, x):
        self.x = x
        self.axes = normalize_axis(self.axis, x.ndim, self._reduce)
        if x.size == 0:
            from ..errors import ShapeError
            raise ShapeError(f"{self._reduce}: cannot reduce an empty array of shape {x.shape}")
        self.out = getattr(x, self._reduce)(axis=self.axes, keepdims=True)
        return self.out if self.keepdims else self.out.reshape(
            [s for i, s in enumerate(x.shape) if i not in self.axes])

    def backward(self, grad):
        grad = expand_reduced(grad, self.x.shape, self.axes, self.keepdims)
        winners = self.x == self.out
        return grad * winners / winners.sum(axis=self.axes, keepdims=True)


class Max(_Extremum):
    _reduce = "max"


def max(x, axis=None, keepdims: bool = False):  # noqa: A001
    return Max.apply(x, axis=axis, keepdims=keepdims)


class Min(_Extremum):
    _reduce = "min"


def min(x, axis=None, keepdims: bool = False):  # noqa: A001
    return Min.apply(x, axis=axis, keepdims=keepdims)


class LogSumExp(Function):
    """log(sum(exp(x))) shifted by the max; a slice of all -inf gives -inf and zero gradient."""

    double_backward = True

    def forward(self, x):
        xp = self.xp
        self.x = x
        self.axes = normalize_axis(self.axis, x.ndim, "logsumexp")
        shift = x.max(axis=self.axes, keepdims=True)
        shift = xp.where(xp.isfinite(shift), shift, 0)
        total = xp.exp(x - shift).sum(axis=self.axes, keepdims=True)
        with _ignore_divide(xp):
            self.out = xp.log(total) + shift
        return self.out if self.keepdims else self.out.reshape(
            [s for i, s in enumerate(x.shape) if i not in self.axes])

    def save_for_graph(self, inputs, outputs):
        # create_graph: ``out`` (kept with the reduced axes) as the output tensor
        self.out = expand_reduced(outputs[0], self.x.shape, self.axes, self.keepdims)

    def backward(self, grad):
        xp = self.xp
        grad = expand_reduced(grad, self.x.shape, self.axes, self.keepdims)
        finite_out = xp.where(xp.isfinite(self.out), self.out, 0)
        weights = xp.exp(self.x - finite_out) * xp.isfinite(self.out)
        return grad * weights


def logsumexp(x, axis=None, keepdims: bool = False):
    return LogSumExp.apply(x, axis=axis, keepdims=keepdims)


class Var(Function):
    double_backward = True

    def forward(self, x):
        self.x = x
        self.axes = normalize_axis(self.axis, x.ndim, "var")
        count = 1
        for a in self.axes:
            count *= x.shape[a]
        self.denominator = count - self.ddof
        return x.var(axis=self.axes, keepdims=self.keepdims, ddof=self.ddof)

    def backward(self, grad):
        grad = expand_reduced(grad, self.x.shape, self.axes, self.keepdims)
        centred = self.x - self.x.mean(axis=self.axes, keepdims=True)
        return grad * (2.0 / self.denominator) * centred


def var(x, axis=None, keepdims: bool = False, ddof: int = 0):
    return Var.apply(x, axis=axis, keepdims=keepdims, ddof=ddof)


class Cumsum(Function):
    double_backward = True

    def forward(self, x):
        self.axis = normalize_axis(self.axis, x.ndim, "cumsum")[0]
        return x.cumsum(axis=self.axis)

    def backward(self, grad):
        xp = self.xp
        return xp.flip(xp.flip(grad, self.axis).cumsum(axis=self.axis), self.axis)


def cumsum(x, axis: int = -1):
    return Cumsum.apply(x, axis=axis)


class Cumprod(Function):
    """Cumulative product; the backward is exact also where some inputs are zero.

    With E_k = prod_{i<k} x_i and S_k = g_k + x_{k+1} S_{k+1} (a backward recurrence),
    d/dx_k = E_k S_k, which never divides by x.
    """

    double_backward = True

    def forward(self, x):
        self.axis = normalize_axis(self.axis, x.ndim, "cumprod")[0]
        self.x = x
        return x.cumprod(axis=self.axis)

    def backward(self, grad):
        xp = self.xp
        x = xp.moveaxis(self.x, self.axis, 0)
        g = xp.moveaxis(grad, self.axis, 0)
        exclusive = xp.concatenate([xp.ones_like(x[:1]), x[:-1]], axis=0).cumprod(axis=0)
        suffix = [g[-1]]  # S_{n-1}, then S_{n-2}, ..., S_0 (a list: no in-place writes)
        for k in range(len(x) - 2, -1, -1):
            suffix.append(g[k] + x[k + 1] * suffix[-1])
        return xp.moveaxis(exclusive * xp.stack(suffix[::-1], axis=0), 0, self.axis)


def cumprod(x, axis: int = -1):
    return Cumprod.apply(x, axis=axis)


class _ignore_divide:
    def __init__(self, xp):
        self.xp = xp

    def __enter__(self):
        import numpy as np
        self.saved = np.seterr(divide="ignore")

    def __exit__(self, *exc):
        import numpy as np
        np.seterr(**self.saved)
