"""Errors name the op and the shapes/dtypes; detect_anomaly names the first op making NaN/Inf."""
import numpy as np
import pytest

import tinyaug as ta


def test_matmul_inner_dimension_message():
    with pytest.raises(ta.ShapeError) as info:
        ta.tensor(np.ones((3, 4))) @ ta.tensor(np.ones((5, 2)))
    assert str(info.value) == "matmul: (3, 4) @ (5, 2): inner dimensions 4 != 5"
    with pytest.raises(ta.ShapeError, match="at least one dimension"):
        ta.matmul(ta.tensor(2.0), ta.tensor(np.ones(2)))


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ta.ShapeError, match=r"Add: .*\(3,\) float32, \(4,\) float32"):
        ta.tensor([1.0, 2.0, 3.0]) + ta.tensor([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ta.ShapeError, match=r"Multiply: .*\(2, 3\).*\(3, 2\)"):
        ta.tensor(np.ones((2, 3))) * ta.tensor(np.ones((3, 2)))


def test_shape_op_messages():
    x = ta.tensor(np.ones((2, 3)))
    with pytest.raises(ta.ShapeError, match=r"reshape: cannot reshape \(2, 3\) \(6 elements\) into \(4, 2\)"):
        x.reshape(4, 2)
    with pytest.raises(ta.ShapeError, match=r"concatenate: shapes \(2, 3\), \(2, 4\) differ outside axis 0"):
        ta.concatenate([x, ta.tensor(np.ones((2, 4)))])
    with pytest.raises(ta.ShapeError, match=r"stack: .*\(2, 3\), \(3, 2\)"):
        ta.stack([x, x.T])
    with pytest.raises(ta.ShapeError, match=r"sum: axis 2 is out of range"):
        x.sum(axis=2)
    with pytest.raises(ta.ShapeError, match=r"squeeze: axis 1 of shape \(2, 3\)"):
        ta.squeeze(x, axis=1)
    with pytest.raises(ta.ShapeError, match=r"transpose: axes \(0, 0\)"):
        x.transpose(0, 0)
    with pytest.raises(ta.ShapeError, match=r"einsum 'ij,jk->ik': letter 'j' has sizes 3 and 4"):
        ta.einsum("ij,jk->ik", x, ta.tensor(np.ones((4, 2))))
    with pytest.raises(ta.ShapeError, match=r"split: axis 1 of length 3"):
        ta.split(x, 2, axis=1)


def test_loss_messages():
    logits = ta.tensor(np.zeros((2, 3)))
    with pytest.raises(ta.ShapeError, match=r"cross_entropy: targets of shape \(3,\).*\(2, 3\)"):
        ta.cross_entropy(logits, ta.tensor([0, 1, 2]))
    with pytest.raises(ta.ShapeError, match=r"\[0, 3\).*5"):
        ta.cross_entropy(logits, ta.tensor([0, 5]))
    with pytest.raises(ta.DTypeError, match="integer class indices.*float"):
        ta.cross_entropy(logits, ta.tensor([0.0, 1.0]))
    with pytest.raises(ta.ShapeError, match=r"logits \(2, 3\) and targets \(3,\)"):
        ta.binary_cross_entropy_with_logits(logits, ta.tensor(np.zeros(3)))


def test_errors_are_tinyaug_errors_and_standard_ones():
    assert issubclass(ta.ShapeError, ValueError) and issubclass(ta.DTypeError, TypeError)
    assert issubclass(ta.GraphError, RuntimeError) and issubclass(ta.BackendError, TypeError)
    for cls in (ta.ShapeError, ta.DTypeError, ta.GraphError, ta.BackendError, ta.AnomalyError, ta.GradcheckError):
        assert issubclass(cls, ta.TinyaugError)


def test_backward_returning_wrong_count_or_shape():
    class TwoInputsOneGrad(ta.Function):
        def forward(self, a, b):
            return a + b

        def backward(self, grad):
            return (grad,)

    class WrongShape(ta.Function):
        def forward(self, a):
            return a

        def backward(self, grad):
            return grad.sum()

    x = ta.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ta.GraphError, match="TwoInputsOneGrad.backward returned 1 gradients for 2 inputs"):
        TwoInputsOneGrad.apply(x, x).sum().backward()
    with pytest.raises(ta.ShapeError, match=r"WrongShape.backward returned a gradient of shape \(\) for an input of shape \(2,\)"):
        WrongShape.apply(x).sum().backward()


def test_anomaly_mode_names_the_forward_op():
    x = ta.tensor([-1.0, 1.0], requires_grad=True)
    with ta.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(ta.AnomalyError, match=r"Log.forward produced NaN or Inf in output 0 \(shape \(2,\)\)"):
            ta.log(x * 1.0)


def test_anomaly_mode_names_the_backward_op():
    x = ta.tensor([0.0, 1.0], requires_grad=True)
    with ta.detect_anomaly(), np.errstate(divide="ignore"):
        y = (ta.sqrt(x) * 2.0).sum()
        with pytest.raises(ta.AnomalyError, match="Sqrt.backward produced NaN or Inf"):
            y.backward()


def test_anomaly_mode_first_op_only_and_scalars():
    x = ta.tensor(1e30, requires_grad=True)
    with ta.detect_anomaly(), np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(ta.AnomalyError, match="^Multiply.forward"):
            ta.exp(x * x * x)  # the product overflows to inf before exp ever runs


def test_without_anomaly_mode_nan_passes_silently():
    x = ta.tensor([-1.0], requires_grad=True)
    with np.errstate(invalid="ignore"):
        y = ta.log(x)
    assert np.isnan(ta.to_numpy(y)).all()
    assert ta.to_numpy(x).shape == (1,)
