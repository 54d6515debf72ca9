"""Tensor creation and dtype rules: float32 default, float64 kept, no upcast from Python scalars."""
import numpy as np
import pytest

import tinyaug as ta


def test_python_floats_default_to_float32(backend):
    t = ta.tensor([1.0, 2.0])
    assert t.dtype == np.float32
    assert t.backend.name == backend
    assert ta.tensor(1.5).dtype == np.float32


def test_python_ints_stay_integer():
    assert ta.tensor([1, 2, 3]).dtype.kind == "i"
    assert ta.tensor([True, False]).dtype == np.bool_


def test_host_arrays_keep_dtype_and_move_to_default_backend(backend):
    for dtype in (np.float64, np.float32, np.int32):
        t = ta.tensor(np.ones(3, dtype=dtype))
        assert t.dtype == dtype
        assert t.backend.name == backend


def test_explicit_dtype_and_astype():
    t = ta.tensor([1, 2], dtype=np.float64)
    assert t.dtype == np.float64
    assert t.astype(np.float32).dtype == np.float32


@pytest.mark.parametrize("scalar", [2.0, 2, np.float64(2.0), True])
def test_python_scalars_do_not_upcast_float32(scalar):
    x = ta.tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    for result in (x * scalar, scalar * x, x + scalar, x - scalar, scalar - x, x / scalar, x ** 2.0,
                   ta.maximum(x, scalar), ta.where(x > 0, x, scalar)):
        assert result.dtype == np.float32


def test_float64_throughout():
    x = ta.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    w = ta.tensor(np.ones((3, 4)), requires_grad=True)
    y = ta.softmax(ta.tanh(x @ w) * 3.0 + 1.0, axis=-1)
    loss = ta.logsumexp(y, axis=0).mean()
    assert y.dtype == np.float64 and loss.dtype == np.float64
    loss.backward()
    assert ta.to_numpy(x.grad).dtype == np.float64
    assert ta.to_numpy(w.grad).dtype == np.float64


def test_float32_grads_stay_float32():
    x = ta.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (ta.exp(x) * 2.0).sum().backward()
    assert x.grad.dtype == np.float32


def test_set_default_dtype_round_trip():
    previous = ta.get_default_dtype()
    try:
        ta.set_default_dtype(np.float64)
        assert ta.tensor([1.0]).dtype == np.float64
        with pytest.raises(TypeError, match="floating"):
            ta.set_default_dtype(np.int32)
    finally:
        ta.set_default_dtype(previous)
    assert ta.tensor([1.0]).dtype == np.float32


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(ta.DTypeError, match="int64"):
        ta.tensor([1, 2], requires_grad=True)
    with pytest.raises(ta.DTypeError, match="only floating"):
        ta.Tensor(ta.tensor([1, 2]).data, requires_grad=True)


def test_integer_op_results_do_not_require_grad():
    x = ta.tensor(np.ones(3), requires_grad=True)
    indices = ta.tensor([0, 2])
    assert not (indices * 2).requires_grad
    assert (x[indices]).requires_grad


def test_tensor_attributes():
    x = ta.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.is_leaf and x.grad is None and x.creator is None
    y = x * 2.0
    assert not y.is_leaf and y.creator is not None and y.requires_grad
    assert y.detach().creator is None and not y.detach().requires_grad
    assert ta.tensor(3.5).item() == 3.5 and float(ta.tensor([2.0])) == 2.0
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert "requires_grad=True" in repr(x)


def test_item_of_many_elements_is_an_error():
    with pytest.raises(ta.GraphError, match=r"shape \(3,\)"):
        ta.tensor([1.0, 2.0, 3.0]).item()


def test_parameter_from_host_array_lives_on_default_backend(backend):
    p = ta.Parameter(np.zeros((2, 2)))
    assert p.requires_grad and p.backend.name == backend and p.dtype == np.float64


def test_scalar_operands_take_the_scalar_ops_only_for_floating_tensors():
    from tinyaug.autograd.ops import arithmetic as ar
    x = ta.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    assert type((x * 2.0).creator) is ar.MulScalar and type((2 - x).creator) is ar.RSubScalar
    assert type((x * np.float64(2.0)).creator) is ar.Multiply  # NumPy scalars: the tensor path
    integers = ta.tensor([1, 2])
    assert (integers * 2).dtype.kind == "i" and (integers + 1).dtype.kind == "i"
    assert (integers * 0.5).dtype.kind == "f"
    np.testing.assert_allclose(ta.to_numpy(integers * 0.5), [0.5, 1.0])
