"""A user-written op, as in the README: forward/backward side by side, then gradcheck it."""
import numpy as np
import pytest

import tinyaug as ta


class Cube(ta.Function):
    """x ** 3 with a scale given as a keyword parameter."""

    def forward(self, x):
        self.x = x
        return self.scale * x * x * x

    def backward(self, grad):
        return 3 * self.scale * self.x * self.x * grad


class SinCos(ta.Function):
    """Two outputs; uses self.xp so it runs on every backend."""

    def forward(self, x):
        self.x = x
        return self.xp.sin(x), self.xp.cos(x)

    def backward(self, grad_sin, grad_cos):
        return grad_sin * self.xp.cos(self.x) - grad_cos * self.xp.sin(self.x)


class ScaledAdd(ta.Function):
    """a + alpha * b, with gradients only for the inputs that need one."""

    def forward(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        return a + self.alpha * b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (grad if need_a else None), (self.alpha * grad if need_b else None)


def test_custom_op_values_and_gradcheck(rng):
    x = rng.standard_normal((3, 2))
    out = Cube.apply(ta.tensor(x), scale=0.5)
    np.testing.assert_allclose(ta.to_numpy(out), 0.5 * x ** 3)
    assert ta.gradcheck(lambda t: Cube.apply(t, scale=0.5), [x])


def test_multi_output_custom_op(backend, rng):
    x = ta.tensor(rng.standard_normal(5), requires_grad=True)
    sin, cos = SinCos.apply(x)
    assert sin.backend.name == backend
    (sin * 2.0).sum().backward()  # cos unused: its gradient arrives as zeros
    np.testing.assert_allclose(ta.to_numpy(x.grad), 2 * np.cos(ta.to_numpy(x)))
    assert ta.gradcheck(lambda t: SinCos.apply(t), [rng.standard_normal(4)])


def test_custom_op_parameters_and_needs_input_grad(rng):
    a = ta.tensor(rng.standard_normal(3), requires_grad=True)
    b = ta.tensor(rng.standard_normal(3))
    ScaledAdd.apply(a, b, alpha=2.0).sum().backward()
    np.testing.assert_allclose(ta.to_numpy(a.grad), 1.0)
    assert ta.gradcheck(lambda p, q: ScaledAdd.apply(p, q, alpha=-3.0), [rng.standard_normal(3), rng.standard_normal(3)])


def test_custom_op_accepts_python_numbers_and_arrays():
    out = Cube.apply(2.0, scale=1.0)
    assert out.item() == 8.0 and out.dtype == np.float32


def test_unimplemented_backward_is_reported():
    class ForwardOnly(ta.Function):
        def forward(self, x):
            return x * 2

    x = ta.tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="ForwardOnly.backward"):
        ForwardOnly.apply(x).backward()
