"""gradcheck itself: passes correct ops, catches a wrong backward in full and directional modes."""
import numpy as np
import pytest

import tinyaug as ta


class GoodSquare(ta.Function):
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, grad):
        return 2 * self.x * grad


class WrongSquare(GoodSquare):
    """Forgets the factor 2 on one element only: a bug a sum-of-gradients check would miss."""

    def backward(self, grad):
        result = 2 * self.x * grad
        result.reshape(-1)[3] = self.x.reshape(-1)[3] * grad.reshape(-1)[3]
        return result


class WrongScale(GoodSquare):
    def backward(self, grad):
        return 2.01 * self.x * grad  # 0.5% off: beyond rtol 1e-3


def _input(shape, seed=0):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape)


def test_correct_op_passes_in_both_modes():
    assert ta.gradcheck(GoodSquare.apply, [_input((2, 3))]) is True
    assert ta.gradcheck(GoodSquare.apply, [_input((20, 20))]) is True  # directional mode


def test_full_jacobian_catches_wrong_backward_and_names_the_element():
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(WrongSquare.apply, [_input((2, 3))])
    message = str(info.value)
    assert "full Jacobian" in message and "input 0 (shape (2, 3))" in message
    assert "worst element (1, 0)" in message and "analytic" in message and "numeric" in message


def test_directional_mode_catches_wrong_backward():
    x = _input((20, 20))
    with pytest.raises(ta.GradcheckError) as info:
        ta.gradcheck(WrongSquare.apply, [x])
    assert "input 0 (shape (20, 20))" in str(info.value)
    with pytest.raises(ta.GradcheckError, match=r"input 0 \(shape \(20, 20\)\).*analytic .* vs numeric"):
        ta.gradcheck(WrongScale.apply, [x])


def test_names_the_wrong_input_among_several():
    class WrongSecond(ta.Function):
        def forward(self, a, b):
            self.a, self.b = a, b
            return a * b

        def backward(self, grad):
            return grad * self.b, -grad * self.a

    with pytest.raises(ta.GradcheckError, match="input 1"):
        ta.gradcheck(WrongSecond.apply, [_input(3), _input(3, seed=1)])
    with pytest.raises(ta.GradcheckError, match="input 1"):
        ta.gradcheck(WrongSecond.apply, [_input(300), _input(300, seed=1)])


def test_missing_gradient_is_caught():
    class Dropped(ta.Function):
        def forward(self, a, b):
            return a + b

        def backward(self, grad):
            return grad, None

    with pytest.raises(ta.GradcheckError, match="input 1"):
        ta.gradcheck(Dropped.apply, [_input(3), _input(3)])


def test_float32_inputs_are_checked_in_float64():
    x = ta.tensor(_input(4).astype(np.float32), requires_grad=True)
    assert ta.gradcheck(lambda t: ta.tanh(t) * 3.0, [x], atol=1e-7, rtol=1e-6)
    assert x.dtype == np.float32 and x.grad is None  # the caller's tensor is left alone


def test_multiple_outputs_and_integer_inputs():
    indices = np.array([0, 2, 2])
    assert ta.gradcheck(lambda x, i: (x[i] * 2.0, ta.exp(x)), [_input(4), indices])


def test_nothing_to_check_is_an_error():
    with pytest.raises(ta.GradcheckError, match="no input requires grad"):
        ta.gradcheck(lambda i: i * 2, [np.array([1, 2])])


def test_returns_tensors_only():
    with pytest.raises(ta.GradcheckError, match="must return tensors"):
        ta.gradcheck(lambda x: 3.0, [_input(2)])


def test_callers_float64_leaf_keeps_its_grad():
    x = ta.tensor(_input(3), requires_grad=True)
    (x * 2.0).sum().backward()
    assert ta.gradcheck(lambda t: ta.exp(t), [x])
    np.testing.assert_allclose(ta.to_numpy(x.grad), 2.0)
