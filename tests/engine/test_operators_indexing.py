"""Operators and indexing: values match NumPy; gradients of indexing scatter back (repeats add)."""
import numpy as np
import pytest

import tinyaug as ta


def _pair(rng):
    a = rng.standard_normal((3, 4))
    b = rng.uniform(0.5, 2.0, (3, 4))
    return a, b


def test_binary_operators_match_numpy(rng):
    a, b = _pair(rng)
    ta_a, ta_b = ta.tensor(a), ta.tensor(b)
    np.testing.assert_allclose(ta.to_numpy(ta_a + ta_b), a + b)
    np.testing.assert_allclose(ta.to_numpy(ta_a - ta_b), a - b)
    np.testing.assert_allclose(ta.to_numpy(ta_a * ta_b), a * b)
    np.testing.assert_allclose(ta.to_numpy(ta_a / ta_b), a / b)
    np.testing.assert_allclose(ta.to_numpy(ta_b ** ta_a), b ** a)
    np.testing.assert_allclose(ta.to_numpy(ta_a @ ta_b.T), a @ b.T)
    np.testing.assert_allclose(ta.to_numpy(-ta_a), -a)
    np.testing.assert_allclose(ta.to_numpy(2.0 / ta_b), 2.0 / b)
    np.testing.assert_allclose(ta.to_numpy(3.0 - ta_a), 3.0 - a)
    np.testing.assert_allclose(ta.to_numpy(2.0 ** ta_a), 2.0 ** a)


def test_comparisons_return_boolean_tensors_without_graph(rng):
    a, b = _pair(rng)
    x = ta.tensor(a, requires_grad=True)
    for result, expected in ((x < 0.0, a < 0), (x >= ta.tensor(b), a >= b), (x == x, a == a), (x != 0.0, a != 0)):
        assert result.dtype == np.bool_ and not result.requires_grad
        np.testing.assert_array_equal(ta.to_numpy(result), expected)


def test_tensors_stay_hashable():
    x = ta.tensor([1.0])
    assert {x: 1}[x] == 1


def test_numpy_array_on_the_left_defers_to_tensor(backend):
    x = ta.tensor(np.ones(3))
    if backend == "numpy":
        result = np.full(3, 2.0) + x
        assert isinstance(result, ta.Tensor)
        np.testing.assert_allclose(ta.to_numpy(result), 3.0)
    else:
        with pytest.raises(ta.BackendError, match="different backends"):
            np.full(3, 2.0) + x


def test_methods_match_functions(rng):
    a = rng.standard_normal((2, 3, 4))
    x = ta.tensor(a)
    np.testing.assert_allclose(ta.to_numpy(x.sum(axis=1)), a.sum(axis=1))
    np.testing.assert_allclose(ta.to_numpy(x.mean(axis=(0, 2), keepdims=True)), a.mean(axis=(0, 2), keepdims=True))
    np.testing.assert_allclose(ta.to_numpy(x.max(axis=-1)), a.max(axis=-1))
    np.testing.assert_allclose(ta.to_numpy(x.var(axis=0)), a.var(axis=0))
    np.testing.assert_allclose(ta.to_numpy(x.reshape(6, 4)), a.reshape(6, 4))
    np.testing.assert_allclose(ta.to_numpy(x.transpose(2, 0, 1)), a.transpose(2, 0, 1))
    np.testing.assert_allclose(ta.to_numpy(x.T), a.T)
    np.testing.assert_allclose(ta.to_numpy(x.swapaxes(0, 2)), a.swapaxes(0, 2))
    np.testing.assert_allclose(ta.to_numpy(x.flatten()), a.ravel())
    np.testing.assert_allclose(ta.to_numpy(x.cumsum(axis=1)), a.cumsum(axis=1))


def test_function_values_match_numpy(rng):
    a = rng.standard_normal((3, 4))
    x = ta.tensor(a)
    np.testing.assert_allclose(ta.to_numpy(ta.concatenate([x, x], axis=1)), np.concatenate([a, a], axis=1))
    np.testing.assert_allclose(ta.to_numpy(ta.stack([x, x], axis=2)), np.stack([a, a], axis=2))
    for piece, expected in zip(ta.split(x, [1, 3], axis=1), np.split(a, [1, 3], axis=1)):
        np.testing.assert_allclose(ta.to_numpy(piece), expected)
    np.testing.assert_allclose(ta.to_numpy(ta.pad(x, [(1, 0), (0, 2)])), np.pad(a, [(1, 0), (0, 2)]))
    np.testing.assert_allclose(ta.to_numpy(ta.roll(x, -1, axis=0)), np.roll(a, -1, axis=0))
    np.testing.assert_allclose(ta.to_numpy(ta.cumprod(x, axis=0)), np.cumprod(a, axis=0))
    np.testing.assert_allclose(ta.to_numpy(ta.clip(x, -0.5, 0.5)), np.clip(a, -0.5, 0.5))
    np.testing.assert_allclose(ta.to_numpy(ta.expand_dims(x, 0)), a[None])
    np.testing.assert_allclose(ta.to_numpy(ta.broadcast_to(x, (2, 3, 4))), np.broadcast_to(a, (2, 3, 4)))
    np.testing.assert_allclose(ta.to_numpy(ta.einsum("ij,kj->ik", x, x)), a @ a.T)
    batch = rng.standard_normal((2, 1, 3, 4))
    np.testing.assert_allclose(ta.to_numpy(ta.tensor(batch) @ ta.tensor(rng.standard_normal((5, 4, 2)))).shape, (2, 5, 3, 2))
    indices = np.array([[0, 3], [1, 1], [2, 0]])
    np.testing.assert_allclose(ta.to_numpy(ta.take_along_axis(x, ta.tensor(indices), axis=1)),
                               np.take_along_axis(a, indices, axis=1))


def _grad_of_indexing(a, index):
    x = ta.tensor(a, requires_grad=True)
    x[index].sum().backward()
    return ta.to_numpy(x.grad)


def test_getitem_slices_none_ellipsis(rng):
    a = rng.standard_normal((3, 4))
    x = ta.tensor(a)
    for index in (np.s_[1:, ::2], np.s_[None, ..., -1], np.s_[2], np.s_[::-1, 1:3]):
        np.testing.assert_allclose(ta.to_numpy(x[index]), a[index])
    expected = np.zeros((3, 4))
    expected[1:, ::2] = 1
    np.testing.assert_allclose(_grad_of_indexing(a, np.s_[1:, ::2]), expected)


def test_getitem_integer_array_repeats_accumulate(rng):
    a = rng.standard_normal((4, 2))
    grad = _grad_of_indexing(a, ta.tensor([0, 2, 2, 2, 3]))
    np.testing.assert_allclose(grad[:, 0], [1, 0, 3, 1])
    grad = _grad_of_indexing(a, [1, 1])  # a Python list is an integer array too
    np.testing.assert_allclose(grad[:, 1], [0, 2, 0, 0])


def test_getitem_without_repeats_assigns_and_with_repeats_accumulates(rng):
    """Host index arrays without repeats take the assignment path; a negative index that
    names the same row as a positive one is a repeat and must accumulate."""
    from tinyaug.autograd.ops.shape import _selects_each_element_once as once
    shape = (4, 5)
    assert once(np.array([3, 0, 2]), shape) and once(np.argsort([0.3, 0.1, 0.2, 0.9]), shape)
    assert once((slice(None), np.array([4, 0])), shape) and once((None, np.array([1, 2])), shape)
    assert once(np.ones(shape, dtype=bool), shape) and once(np.s_[1:, 2], shape)
    assert not once(np.array([1, -3]), shape) and not once(np.array([2, 2]), shape)
    assert not once((slice(None), np.array([4, -1])), shape)
    assert not once((np.array([0, 1]), np.array([1, 0])), shape)   # pairs: left to add.at
    a = rng.standard_normal(shape)
    np.testing.assert_allclose(_grad_of_indexing(a, np.array([1, -3, 2]))[:, 0], [0, 2, 1, 0])
    np.testing.assert_allclose(_grad_of_indexing(a, np.s_[:, np.array([4, 0, 2])])[0], [1, 0, 1, 0, 1])
    np.testing.assert_allclose(_grad_of_indexing(a, np.array([3, 0]))[:, 1], [1, 0, 0, 1])


def test_getitem_pairs_of_integer_arrays(rng):
    a = rng.standard_normal((3, 3))
    rows, cols = ta.tensor([0, 0, 2]), ta.tensor([1, 1, 0])
    x = ta.tensor(a)
    np.testing.assert_allclose(ta.to_numpy(x[rows, cols]), a[[0, 0, 2], [1, 1, 0]])
    expected = np.zeros((3, 3))
    expected[0, 1], expected[2, 0] = 2, 1
    np.testing.assert_allclose(_grad_of_indexing(a, (rows, cols)), expected)


def test_getitem_boolean_mask(rng):
    a = rng.standard_normal((3, 4))
    x = ta.tensor(a)
    mask = x > 0.0
    np.testing.assert_allclose(ta.to_numpy(x[mask]), a[a > 0])
    np.testing.assert_allclose(_grad_of_indexing(a, mask), (a > 0).astype(float))
