"""Numerical stability at extreme inputs (±1e4) and at the documented subgradient points."""
import numpy as np
import pytest

import tinyaug as ta

EXTREMES = np.array([-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4])


def _value_and_grad(fn, values):
    x = ta.tensor(values, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # overflow would raise
        y = fn(x)
        y.sum().backward()
    return ta.to_numpy(y), ta.to_numpy(x.grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_and_sigmoid_at_extremes(dtype):
    values = EXTREMES.astype(dtype)
    out, grad = _value_and_grad(ta.softplus, values)
    np.testing.assert_allclose(out, np.logaddexp(0, EXTREMES), rtol=1e-6)
    np.testing.assert_allclose(grad, [0, 0, 0.26894142, 0.5, 0.73105858, 1, 1], atol=1e-7)
    out, grad = _value_and_grad(ta.sigmoid, values)
    np.testing.assert_allclose(out, [0, 0, 0.26894142, 0.5, 0.73105858, 1, 1], atol=1e-7)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_at_extremes(dtype):
    logits = EXTREMES.astype(dtype)
    targets = ta.tensor(np.array([0, 1, 0, 1, 1, 0, 1], dtype=dtype))
    out, grad = _value_and_grad(lambda x: ta.binary_cross_entropy_with_logits(x, targets, reduction="none"), logits)
    expected = np.maximum(EXTREMES, 0) - EXTREMES * ta.to_numpy(targets) + np.log1p(np.exp(-np.abs(EXTREMES)))
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out[0] == 0 and out[6] == 0 and out[1] == pytest.approx(50, rel=1e-6)
    assert np.isfinite(grad).all() and np.abs(grad).max() <= 1


def test_softmax_log_softmax_logsumexp_at_extremes():
    values = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]])
    out, grad = _value_and_grad(lambda x: ta.softmax(x, axis=-1) * ta.tensor(np.array([1.0, 2.0, 3.0])), values)
    np.testing.assert_allclose(out[0], [1, 0, 0])
    np.testing.assert_allclose(out[1], [1 / 3, 2 / 3, 1])
    assert np.isfinite(grad).all()
    out, grad = _value_and_grad(lambda x: ta.log_softmax(x, axis=-1), values)
    np.testing.assert_allclose(out[0], [0, -1e4, -2e4])
    assert np.isfinite(grad).all()
    out, _ = _value_and_grad(lambda x: ta.logsumexp(x, axis=-1), values)
    np.testing.assert_allclose(out, [1e4, 1e4 + np.log(3)])


def test_log_softmax_finite_where_log_of_softmax_is_not():
    x = ta.tensor(np.array([0.0, -800.0]))
    with np.errstate(divide="ignore", under="ignore"):
        naive = ta.to_numpy(ta.log(ta.softmax(x)))
    assert np.isinf(naive[1])
    np.testing.assert_allclose(ta.to_numpy(ta.log_softmax(x)), [0.0, -800.0])


def test_logsumexp_of_all_minus_inf():
    x = ta.tensor(np.array([[-np.inf, -np.inf], [0.0, -np.inf]]), requires_grad=True)
    y = ta.logsumexp(x, axis=1)
    np.testing.assert_array_equal(ta.to_numpy(y), [-np.inf, 0.0])
    y.backward(np.ones(2))
    np.testing.assert_array_equal(ta.to_numpy(x.grad), [[0, 0], [1, 0]])


def test_tanh_and_exp_at_large_inputs():
    out, grad = _value_and_grad(ta.tanh, np.array([-1e4, 1e4]))
    np.testing.assert_array_equal(out, [-1, 1])
    np.testing.assert_array_equal(grad, [0, 0])
    x = ta.tensor(np.array([-1e4, 700.0]), requires_grad=True)
    ta.exp(x).sum().backward()
    assert np.isfinite(ta.to_numpy(x.grad)).all()


def test_cross_entropy_with_huge_logits():
    logits = ta.tensor(np.array([[1e4, -1e4, 0.0]]), requires_grad=True)
    loss = ta.cross_entropy(logits, ta.tensor([1]))
    loss.backward()
    assert loss.item() == pytest.approx(2e4)
    np.testing.assert_allclose(ta.to_numpy(logits.grad), [[1, -1, 0]], atol=1e-12)


def test_cosine_similarity_against_zero_rows():
    memory = ta.tensor(np.zeros((3, 4)), requires_grad=True)
    key = ta.tensor(np.array([1.0, 0.0, 0.0, 0.0]), requires_grad=True)
    similarity = ta.cosine_similarity(memory, key)
    similarity.sum().backward()
    np.testing.assert_array_equal(ta.to_numpy(similarity), 0.0)
    assert np.isfinite(ta.to_numpy(memory.grad)).all() and np.isfinite(ta.to_numpy(key.grad)).all()


def test_documented_subgradients_at_kinks():
    _, grad = _value_and_grad(ta.abs, np.array([0.0]))
    assert grad[0] == 0.0
    _, grad = _value_and_grad(ta.relu, np.array([0.0]))
    assert grad[0] == 0.0
    a = ta.tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = ta.tensor(np.array([1.0, 1.0]), requires_grad=True)
    ta.maximum(a, b).sum().backward()
    np.testing.assert_allclose(ta.to_numpy(a.grad), [0.5, 1.0])
    np.testing.assert_allclose(ta.to_numpy(b.grad), [0.5, 0.0])
    _, grad = _value_and_grad(lambda x: ta.max(x), np.array([3.0, 1.0, 3.0]))
    np.testing.assert_allclose(grad, [0.5, 0.0, 0.5])  # ties share: the total stays 1
    _, grad = _value_and_grad(lambda x: ta.clip(x, 0.0, 1.0), np.array([0.0, 0.5, 1.0, 2.0]))
    np.testing.assert_allclose(grad, [1, 1, 1, 0])


def test_cumprod_gradient_with_zero_input():
    _, grad = _value_and_grad(ta.cumprod, np.array([2.0, 0.0, 3.0]))
    # d/dx of x0 + x0 x1 + x0 x1 x2 at (2, 0, 3)
    np.testing.assert_allclose(grad, [1.0, 2.0 + 6.0, 0.0])
