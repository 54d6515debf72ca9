"""The graph: accumulation, deep chains, retain_graph, releasing saved buffers, no_grad, cycles."""
import gc
import weakref

import numpy as np
import pytest

import tinyaug as ta


def test_tensor_used_twice_accumulates_once():
    x = ta.tensor([3.0], requires_grad=True)
    (x + x).backward()
    np.testing.assert_allclose(ta.to_numpy(x.grad), [2.0])
    y = ta.tensor([3.0], requires_grad=True)
    (y * y * y).backward()
    np.testing.assert_allclose(ta.to_numpy(y.grad), [27.0])


def test_diamond_graph():
    x = ta.tensor(np.array([0.5, -1.0]), requires_grad=True)
    shared = ta.exp(x)
    out = (ta.tanh(shared) + shared * shared).sum()
    out.backward()
    e = np.exp([0.5, -1.0])
    np.testing.assert_allclose(ta.to_numpy(x.grad), ((1 - np.tanh(e) ** 2) + 2 * e) * e)


def test_leaf_gradients_accumulate_across_backward_calls():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(ta.to_numpy(x.grad), [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_grad_is_a_private_copy():
    x = ta.tensor(np.ones(2), requires_grad=True)
    y = ta.tensor(np.ones(2), requires_grad=True)
    (x + y).sum().backward()  # Add hands the same array to both inputs
    x.grad *= 0
    np.testing.assert_allclose(ta.to_numpy(y.grad), [1.0, 1.0])


def test_100k_op_chain_backpropagates_without_recursion():
    x = ta.tensor(np.ones(1), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_allclose(ta.to_numpy(x.grad), [1.0])


def test_2000_step_rnn_unroll():
    rng = np.random.default_rng(0)
    w = ta.tensor(rng.standard_normal((4, 4)) * 0.3, requires_grad=True)
    u = ta.tensor(rng.standard_normal((3, 4)) * 0.3, requires_grad=True)
    inputs = ta.tensor(rng.standard_normal((2000, 2, 3)))
    state = ta.tensor(np.zeros((2, 4)))
    for t in range(2000):
        state = ta.tanh(state @ w + inputs[t] @ u)
    state.sum().backward()
    assert np.isfinite(ta.to_numpy(w.grad)).all() and np.abs(ta.to_numpy(u.grad)).sum() > 0


def test_backward_twice_through_released_graph_is_a_clear_error():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    y = (ta.exp(x) * 2.0).sum()
    y.backward()
    with pytest.raises(ta.GraphError, match="second time.*retain_graph=True"):
        y.backward()


def test_partially_shared_graph_after_release_is_an_error():
    x = ta.tensor([1.0], requires_grad=True)
    hidden = ta.exp(x)
    (hidden * 2.0).sum().backward()
    with pytest.raises(ta.GraphError, match="Exp a second time"):
        (hidden * 3.0).sum().backward()


def test_retain_graph_allows_a_second_backward():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    y = (ta.exp(x) * 2.0).sum()
    y.backward(retain_graph=True)
    first = ta.to_numpy(x.grad).copy()
    y.backward()
    np.testing.assert_allclose(ta.to_numpy(x.grad), 2 * first)


def test_saved_buffers_released_after_backward():
    x = ta.tensor(np.ones(3), requires_grad=True)
    y = ta.tanh(x)
    op = y.creator
    assert op.out is not None  # tanh saves its output
    saved = weakref.ref(op)
    y.sum().backward()
    assert not hasattr(op, "out") and op.inputs is None
    assert saved() is op


def test_saved_arrays_freed_once_graph_is_dropped(backend):
    if backend != "numpy":
        pytest.skip("weak references to arrays: NumPy arrays only")
    gc.disable()
    try:
        x = ta.tensor(np.ones(1000), requires_grad=True)
        hidden = ta.exp(x)
        saved = weakref.ref(hidden.creator.out)
        loss = (hidden * hidden).sum()
        del hidden
        loss.backward()
        assert saved() is None  # released by backward, without waiting for the garbage collector
        out = ta.tanh(x * 2.0)
        graph = weakref.ref(out.creator)
        del out
        assert graph() is None  # no reference cycles keep an unused graph alive
    finally:
        gc.enable()


def test_no_grad_records_nothing():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    with ta.no_grad():
        assert not ta.is_grad_enabled()
        y = ta.exp(x) * 2.0
        with ta.enable_grad():
            z = x * 2.0
    assert ta.is_grad_enabled()
    assert not y.requires_grad and y.creator is None
    assert z.requires_grad and z.creator is not None
    with pytest.raises(ta.GraphError, match="does not require grad"):
        y.sum().backward()


def test_inputs_without_grad_get_none():
    x = ta.tensor([1.0, 2.0], requires_grad=True)
    constant = ta.tensor([3.0, 4.0])
    (x * constant).sum().backward()
    assert constant.grad is None
    np.testing.assert_allclose(ta.to_numpy(x.grad), [3.0, 4.0])


def test_needs_input_grad_skips_unneeded_work():
    seen = []

    class Probe(ta.Function):
        def forward(self, a, b):
            seen.append(self.needs_input_grad)
            return a * b

        def backward(self, grad):
            return grad, None

    a = ta.tensor([1.0], requires_grad=True)
    Probe.apply(a, ta.tensor([2.0])).backward()
    with ta.no_grad():
        Probe.apply(a, a)
    assert seen == [(True, False), (False, False)]


def test_multi_output_op_with_unused_outputs():
    x = ta.tensor(np.arange(6.0), requires_grad=True)
    first, _, third = ta.split(x, 3)
    (first * 2.0 + third).sum().backward()
    np.testing.assert_allclose(ta.to_numpy(x.grad), [2, 2, 0, 0, 1, 1])


def test_backward_with_explicit_gradient_and_shape_checks():
    x = ta.tensor(np.ones((2, 2)), requires_grad=True)
    y = x * 3.0
    y.backward(ta.tensor(np.full((2, 2), 2.0)))
    np.testing.assert_allclose(ta.to_numpy(x.grad), 6.0)
    z = x * 3.0
    with pytest.raises(ta.GraphError, match=r"shape \(2, 2\)"):
        z.backward()
    with pytest.raises(ta.ShapeError, match=r"\(3,\).*\(2, 2\)"):
        z.backward(np.ones(3))


def test_backward_on_a_leaf():
    x = ta.tensor([2.0], requires_grad=True)
    x.backward()
    np.testing.assert_allclose(ta.to_numpy(x.grad), [1.0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_dag_gradients(seed):
    """Ops reading from random earlier nodes: many shared paths, visited in sequence order."""
    picks = np.random.default_rng(seed)

    def build(a, b):
        nodes = [a, b]
        for step in range(40):
            u = nodes[int(picks.integers(len(nodes)))]
            v = nodes[int(picks.integers(len(nodes)))]
            kind = step % 4
            nodes.append(ta.tanh(u + v) if kind == 0 else u * v * 0.5 if kind == 1
                         else ta.split(ta.concatenate([u, v]), 2)[step % 2] if kind == 2 else ta.sigmoid(u) - v)
        return sum(nodes[2:], nodes[0] * 0.0)

    state = picks.bit_generator.state
    rng = np.random.default_rng(seed + 10)
    inputs = [rng.standard_normal(3) * 0.5, rng.standard_normal(3) * 0.5]

    def fn(a, b):
        picks.bit_generator.state = state  # the same graph on every call
        return build(a, b)

    assert ta.gradcheck(fn, inputs)
