"""Unary and binary elementwise functions.

Subgradients at kinks, chosen and documented: ``abs'(0) = 0``, ``relu'(0) = 0``; ``maximum``
and ``minimum`` split the gradient equally between tied operands; ``clip`` passes the gradient
where ``lo <= x <= hi``. ``sqrt'(0)`` is infinite, as it mathematically is.
"""
from __future__ import annotations

import numpy as np

from ..function import Function, run_unary
from ..tensor import as_tensor
from ._util import pair, unbroadcast

_new = object.__new__  # ``run_unary(_new(Op), x)`` is ``Op.apply(x)`` without the dispatch


class Exp(Function):
    double_backward = True

    def forward(self, x):
        self.out = self.xp.exp(x)
        return self.out

    def backward(self, grad):
        return grad * self.out


def exp(x):
    return run_unary(_new(Exp), x)


class Log(Function):
    double_backward = True

    def forward(self, x):
        self.x = x
        return self.xp.log(x)

    def backward(self, grad):
        return grad / self.x


def log(x):
    return run_unary(_new(Log), x)


class Log1p(Function):
    double_backward = True

    def forward(self, x):
        self.x = x
        return self.xp.log1p(x)

    def backward(self, grad):
        return grad / (1 + self.x)


def log1p(x):
    return run_unary(_new(Log1p), x)


class Sqrt(Function):
    double_backward = True

    def forward(self, x):
        self.out = self.xp.sqrt(x)
        return self.out

    def backward(self, grad):
        return grad / (2 * self.out)


def sqrt(x):
    return run_unary(_new(Sqrt), x)


class Abs(Function):
    double_backward = True

    def forward(self, x):
        self.x = x
        return self.xp.abs(x)

    def backward(self, grad):
        return grad * self.xp.sign(self.x)


def abs(x):  # noqa: A001 - NumPy's name
    return run_unary(_new(Abs), x)


class Tanh(Function):
    double_backward = True

    def forward(self, x):
        self.out = self.xp.tanh(x)
        return self.out

    def backward(self, grad):
        return grad * (1 - self.out * self.out)


def tanh(x):
    return run_unary(_new(Tanh), x)


class Sigmoid(Function):
    double_backward = True

    def forward(self, x):
        # 0.5 * (1 + tanh(x / 2)) equals 1 / (1 + exp(-x)) and never overflows.
        self.out = 0.5 * (self.xp.tanh(0.5 * x) + 1)
        return self.out

    def backward(self, grad):
        return grad * self.out * (1 - self.out)


def sigmoid(x):
    return run_unary(_new(Sigmoid), x)


class Relu(Function):
    double_backward = True

    def forward(self, x):
        self.positive = x > 0
        return x * self.positive

    def backward(self, grad):
        return grad * self.positive


def relu(x):
    return run_unary(_new(Relu), x)


class Softplus(Function):
    """log(1 + exp(x)), computed as logaddexp(0, x): no overflow at x = 1e4."""

    double_backward = True

    def forward(self, x):
        self.x = x
        return self.xp.logaddexp(0, x)

    def backward(self, grad):
        return grad * (0.5 * (self.xp.tanh(0.5 * self.x) + 1))


def softplus(x):
    return run_unary(_new(Softplus), x)


class Maximum(Function):
    double_backward = True

    def forward(self, a, b):
        self.a, self.b = a, b
        return self.xp.maximum(a, b)

    def backward(self, grad):
        share_a = (self.a > self.b) + 0.5 * (self.a == self.b)
        return (unbroadcast(grad * share_a, self.a.shape),
                unbroadcast(grad * (1 - share_a), self.b.shape))


def maximum(a, b):
    return Maximum.apply(*pair(a, b))


class Minimum(Function):
    double_backward = True

    def forward(self, a, b):
        self.a, self.b = a, b
        return self.xp.minimum(a, b)

    def backward(self, grad):
        share_a = (self.a < self.b) + 0.5 * (self.a == self.b)
        return (unbroadcast(grad * share_a, self.a.shape),
                unbroadcast(grad * (1 - share_a), self.b.shape))


def minimum(a, b):
    return Minimum.apply(*pair(a, b))


class Clip(Function):
    double_backward = True

    def forward(self, x):
        lo = -np.inf if self.lo is None else self.lo
        hi = np.inf if self.hi is None else self.hi
        self.inside = (x >= lo) & (x <= hi)
        return self.xp.clip(x, lo, hi)

    def backward(self, grad):
        return grad * self.inside


def clip(x, lo=None, hi=None):
    """Clamp to ``[lo, hi]`` (either may be None)."""
    return Clip.apply(x, lo=lo, hi=hi)


class Where(Function):
    """``where(condition, a, b)``; the boolean condition gets no gradient."""

    double_backward = True

    def forward(self, condition, a, b):
        if condition.dtype != bool:
            condition = condition.astype(bool)
        self.condition, self.a_shape, self.b_shape = condition, a.shape, b.shape
        return self.xp.where(condition, a, b)

    def backward(self, grad):
        zero = self.xp.zeros((), dtype=grad.dtype)
        return (None,
                unbroadcast(self.xp.where(self.condition, grad, zero), self.a_shape),
                unbroadcast(self.xp.where(self.condition, zero, grad), self.b_shape))


def where(condition, a, b):
    """Elementwise ``a if condition else b``, broadcasting all three."""
    a, b = pair(a, b)
    return Where.apply(as_tensor(condition, like=a), a, b)


class Cast(Function):
    """A dtype conversion; the gradient is cast back to the input's dtype."""

    double_backward = True

    def forward(self, x):
        self.source = x.dtype
        return x.astype(self.dtype)

    def backward(self, grad):
        return grad.astype(self.source)
