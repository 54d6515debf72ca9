"""Elementwise arithmetic with broadcasting: add, subtract, multiply, divide, negative, power."""
from __future__ import annotations

from ..function import Function
from ._util import pair, unbroadcast


class Add(Function):
    def forward(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        return a + b

    def backward(self, grad):
        return unbroadcast(grad, self.a_shape), unbroadcast(grad, self.b_shape)


class Subtract(Function):
    def forward(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        return a - b

    def backward(self, grad):
        return unbroadcast(grad, self.a_shape), unbroadcast(-grad, self.b_shape)


class Multiply(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        ga = unbroadcast(grad * self.b, self.a.shape) if need_a else None
        gb = unbroadcast(grad * self.a, self.b.shape) if need_b else None
        return ga, gb


class Divide(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        grad_over_b = grad / self.b
        ga = unbroadcast(grad_over_b, self.a.shape) if need_a else None
        gb = unbroadcast(-grad_over_b * self.a / self.b, self.b.shape) if need_b else None
        return ga, gb


class Negative(Function):
    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


class Power(Function):
    """``base ** exponent``; d/d exponent = out * log(base) (only computed when needed)."""

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


def add(a, b):
    """``a + b`` with broadcasting."""
    return Add.apply(*pair(a, b))


def subtract(a, b):
    return Subtract.apply(*pair(a, b))


def multiply(a, b):
    return Multiply.apply(*pair(a, b))


def divide(a, b):
    return Divide.apply(*pair(a, b))


def negative(x):
    return Negative.apply(x)


def power(base, exponent):
    return Power.apply(*pair(base, exponent))
