"""Elementwise arithmetic with broadcasting: add, subtract, multiply, divide, negative, power.

A Python ``int``/``float`` operand of a floating tensor does not become a tensor: the ``*Scalar``
ops keep it as the parameter ``value`` (cheaper, and NumPy's rules for Python scalars already
keep the tensor's dtype, so float32 stays float32).
"""
from __future__ import annotations

import math

from ..function import Function, run_unary
from ..tensor import Tensor
from ._util import pair, unbroadcast


def binary(tensor_op, scalar_op, reflected_scalar_op, scalar_value=None):
    """The NumPy-named function of a binary op: Python numbers next to a floating tensor go to
    the scalar ops (``scalar_value`` maps the number, e.g. negation for subtraction)."""

    new = object.__new__

    def op(a, b):
        if (type(b) is float or type(b) is int) and isinstance(a, Tensor) and a.data.dtype.kind == "f":
            fn = new(scalar_op)  # what ``scalar_op.apply(a, value=b)`` does, minus the dispatch
            fn.value = b if scalar_value is None else scalar_value(b)
            return run_unary(fn, a)
        if (type(a) is float or type(a) is int) and isinstance(b, Tensor) and b.data.dtype.kind == "f":
            fn = new(reflected_scalar_op)
            fn.value = a
            return run_unary(fn, b)
        return tensor_op.apply(*pair(a, b))

    def reflected(b, a):  # Tensor.__radd__ and friends: ``a op b`` with b the tensor
        return op(a, b)

    op.reflected = reflected
    return op


class Add(Function):
    double_backward = True

    def forward(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        return a + b

    def backward(self, grad):
        return unbroadcast(grad, self.a_shape), unbroadcast(grad, self.b_shape)


class AddScalar(Function):
    """``x + value`` (also ``x - c`` as ``x + (-c)``, which IEEE arithmetic makes identical)."""

    double_backward = True

    def forward(self, x):
        return x + self.value

    def backward(self, grad):
        return grad


add = binary(Add, AddScalar, AddScalar)
add.__doc__ = "``a + b`` with broadcasting."


class Subtract(Function):
    double_backward = True

    def forward(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        return a - b

    def backward(self, grad):
        return unbroadcast(grad, self.a_shape), unbroadcast(-grad, self.b_shape)


class RSubScalar(Function):
    """``value - x``."""

    double_backward = True

    def forward(self, x):
        return self.value - x

    def backward(self, grad):
        return -grad


subtract = binary(Subtract, AddScalar, RSubScalar, scalar_value=lambda c: -c)
subtract.__doc__ = "``a - b`` with broadcasting."


class Multiply(Function):
    double_backward = True

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        ga = unbroadcast(grad * self.b, self.a.shape) if need_a else None
        gb = unbroadcast(grad * self.a, self.b.shape) if need_b else None
        return ga, gb


class MulScalar(Function):
    double_backward = True

    def forward(self, x):
        return x * self.value

    def backward(self, grad):
        return grad * self.value


multiply = binary(Multiply, MulScalar, MulScalar)
multiply.__doc__ = "``a * b`` with broadcasting."


class Divide(Function):
    double_backward = True

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        grad_over_b = grad / self.b
        ga = unbroadcast(grad_over_b, self.a.shape) if need_a else None
        gb = unbroadcast(-grad_over_b * self.a / self.b, self.b.shape) if need_b else None
        return ga, gb


class DivScalar(Function):
    """``x / value``."""

    double_backward = True

    def forward(self, x):
        return x / self.value

    def backward(self, grad):
        return grad / self.value


class RDivScalar(Function):
    """``value / x``; d/dx = -value / x**2 = -out / x."""

    double_backward = True

    def forward(self, x):
        self.x = x
        self.out = self.value / x
        return self.out

    def backward(self, grad):
        return -grad * self.out / self.x


divide = binary(Divide, DivScalar, RDivScalar)
divide.__doc__ = "``a / b`` with broadcasting."


class Power(Function):
    """``base ** exponent``; d/d exponent = out * log(base) (only computed when needed)."""

    double_backward = True

    def forward(self, base, exponent):
        self.base, self.exponent = base, exponent
        self.out = base ** exponent
        return self.out

    def backward(self, grad):
        need_base, need_exp = self.needs_input_grad
        gb = ge = None
        if need_base:
            gb = unbroadcast(grad * self.exponent * self.base ** (self.exponent - 1), self.base.shape)
        if need_exp:
            ge = unbroadcast(grad * self.out * self.xp.log(self.base), self.exponent.shape)
        return gb, ge


class PowScalar(Function):
    """``x ** value``."""

    double_backward = True

    def forward(self, x):
        self.x = x
        return x ** self.value

    def backward(self, grad):
        return grad * self.value * self.x ** (self.value - 1)


class RPowScalar(Function):
    """``value ** x``; d/dx = out * log(value) (NaN for a negative base, as NumPy's log)."""

    double_backward = True

    def forward(self, x):
        self.out = self.value ** x
        return self.out

    def backward(self, grad):
        log_value = math.log(self.value) if self.value > 0 else (-math.inf if self.value == 0 else math.nan)
        return grad * self.out * log_value


power = binary(Power, PowScalar, RPowScalar)
power.__doc__ = "``base ** exponent`` with broadcasting."


class Negative(Function):
    double_backward = True

    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


def negative(x):
    return run_unary(object.__new__(Negative), x)
