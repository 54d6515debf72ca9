"""Backends: NumPy by default, the CuPy-like stand-in, mixing errors, moving tensors, CuPy absent."""
import importlib.util

import numpy as np
import pytest

import tinyaug as ta
from tinyaug import backends


def test_new_tensors_use_the_fixture_backend(backend):
    assert ta.get_backend().name == backend
    assert ta.tensor([1.0]).backend.name == backend
    assert ta.tensor(np.ones(2)).backend.name == backend


def test_default_backend_is_numpy_outside_tests():
    import subprocess
    import sys
    code = "import tinyaug as ta; print(ta.get_backend().name, type(ta.tensor([1.0]).data).__module__)"
    env = {k: v for k, v in __import__("os").environ.items() if k != "TINYAUG_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["numpy", "numpy"]
    assert "cupy" not in out.stdout


def test_standin_refuses_implicit_host_conversion():
    x = ta.tensor([1.0, 2.0], backend="standin")
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(x.data)
    with pytest.raises(TypeError, match="implicit conversion of a standin tensor"):
        np.asarray(x)
    np.testing.assert_allclose(x.numpy(), [1.0, 2.0])  # the explicit way works
    np.testing.assert_allclose(x.data.get(), [1.0, 2.0])


def test_standin_refuses_numpy_operands_inside_ops():
    xp = backends.get_backend("standin").xp
    a = xp.ones(3)
    with pytest.raises(TypeError, match="Unsupported type"):
        a + np.ones(3)
    with pytest.raises(TypeError, match="Unsupported type"):
        xp.maximum(a, np.ones(3))
    assert type(a.sum()) is type(a)  # reductions give 0-d device arrays, as CuPy does


def test_mixing_backends_in_one_op_is_a_clear_error():
    on_numpy = ta.tensor(np.ones(3), backend="numpy")
    on_standin = ta.tensor(np.ones(3), backend="standin")
    with pytest.raises(ta.BackendError, match=r"Add: inputs live on different backends \(numpy, standin\)"):
        on_numpy + on_standin
    with pytest.raises(ta.BackendError, match="Matmul.*different backends"):
        on_standin @ on_numpy
    with pytest.raises(ta.BackendError, match="Multiply.*different backends"):
        on_standin * np.ones(3)


def test_to_moves_and_keeps_requires_grad(backend):
    other = "standin" if backend == "numpy" else "numpy"
    x = ta.tensor(np.arange(3.0), requires_grad=True)
    assert x.to(backend) is x
    moved = x.to(other)
    assert moved.backend.name == other and moved.requires_grad and moved.is_leaf
    np.testing.assert_array_equal(moved.numpy(), [0.0, 1.0, 2.0])
    (moved * 2.0).sum().backward()
    assert moved.grad.__class__ is moved.data.__class__ and x.grad is None


def test_backends_give_identical_results(rng):
    a = rng.standard_normal((3, 4))
    results = []
    for name in ("numpy", "standin"):
        x = ta.tensor(a, requires_grad=True, backend=name)
        loss = (ta.log_softmax(ta.tanh(x) @ x.T, axis=-1) * 2.0).sum()
        loss.backward()
        results.append((loss.item(), x.grad.__class__, ta.to_numpy(x.grad)))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][2], results[1][2])
    assert results[0][1] is np.ndarray and results[1][1] is not np.ndarray


def test_unknown_backend():
    with pytest.raises(ta.BackendError, match="unknown backend 'tpu'"):
        ta.set_backend("tpu")


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed here")
def test_missing_cupy_is_a_clear_error():
    with pytest.raises(ta.BackendError, match="CuPy is not installed"):
        backends.get_backend("cupy")
    with pytest.raises(ta.BackendError, match="CuPy"):
        ta.tensor([1.0]).to("cupy")
    assert "cupy" not in backends._BACKENDS


def test_foreign_objects_are_refused():
    with pytest.raises(ta.BackendError, match="list is not an array"):
        ta.Tensor([1.0, 2.0])
    with pytest.raises(ta.DTypeError, match="cannot make a tensor"):
        ta.tensor("text")
