"""Module, Parameter, Linear, Embedding, Sequential and the initialisers."""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug import nn
from tinyaug.nn import Linear, Module, Parameter, Sequential, init


class Block(Module):
    def __init__(self):
        super().__init__()
        self.first = Linear(3, 4)
        self.scale = Parameter(ta.tensor(np.ones(4)))
        self.second = Linear(4, 2)

    def forward(self, x):
        return self.second(ta.tanh(self.first(x)) * self.scale)


class Shared(Module):
    def __init__(self):
        super().__init__()
        self.a = Linear(2, 2)
        self.b = self.a  # the same layer twice: its parameters count once


def test_named_parameters_own_first_then_submodules_in_assignment_order():
    names = [name for name, _ in Block().named_parameters()]
    assert names == ["scale", "first.weight", "first.bias", "second.weight", "second.bias"]
    assert Block().num_parameters() == 3 * 4 + 4 + 4 + 4 * 2 + 2


def test_shared_parameters_appear_once():
    assert len(Shared().parameters()) == 2


def test_reassigning_an_attribute_unregisters_the_old_value():
    block = Block()
    block.scale = None
    assert "scale" not in dict(block.named_parameters())


def test_forgetting_super_init_is_a_clear_error():
    class Broken(Module):
        def __init__(self):
            self.weight = Parameter(ta.tensor(np.ones(2)))
    with pytest.raises(AttributeError, match="super"):
        Broken()


def test_state_dict_round_trip():
    source, target = Block(), Block()
    state = source.state_dict()
    assert all(type(v) is np.ndarray for v in state.values())
    target.load_state_dict(state)
    x = ta.tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    np.testing.assert_array_equal(ta.to_numpy(source(x)), ta.to_numpy(target(x)))
    # the state is a copy: changing it does not change the module
    state["scale"][:] = 7
    assert ta.to_numpy(source.scale)[0] == 1


def test_load_state_dict_strict_errors_name_the_entry():
    block = Block()
    state = block.state_dict()
    missing = {k: v for k, v in state.items() if k != "second.bias"}
    with pytest.raises(KeyError, match="missing second.bias"):
        block.load_state_dict(missing)
    with pytest.raises(KeyError, match="unexpected extra.weight"):
        block.load_state_dict({**state, "extra.weight": np.zeros(1)})
    before = ta.to_numpy(block.first.weight).copy()
    bad = {k: (v + 1 if k == "first.weight" else v) for k, v in state.items()}
    bad["second.weight"] = np.zeros((5, 2))
    with pytest.raises(ta.ShapeError, match=r"second.weight has shape \(5, 2\)"):
        block.load_state_dict(bad)
    # checked before anything is copied: the first (valid) entry was not loaded either
    np.testing.assert_array_equal(ta.to_numpy(block.first.weight), before)


def test_load_state_dict_non_strict_skips_missing_and_extra():
    block = Block()
    block.load_state_dict({"scale": np.full(4, 2.0), "unknown": np.zeros(3)}, strict=False)
    np.testing.assert_array_equal(ta.to_numpy(block.scale), np.full(4, 2.0, dtype=np.float32))


def test_train_and_eval_reach_every_submodule():
    block = Block()
    block.eval()
    assert not block.training and not block.first.training and not block.second.training
    block.train()
    assert all(m.training for m in block.modules())


def test_to_moves_parameters_between_backends(backend):
    block = Block()
    values = ta.to_numpy(block.first.weight).copy()
    block.to("standin")
    assert all(p.backend.name == "standin" for p in block.parameters())
    block.to("numpy")
    assert all(type(p.data) is np.ndarray for p in block.parameters())
    np.testing.assert_array_equal(ta.to_numpy(block.first.weight), values)


def test_gradients_reach_every_parameter_and_zero_grad_clears_them():
    block = Block()
    x = ta.tensor(np.ones((2, 3), dtype=np.float32))
    block(x).sum().backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


def test_linear_matches_numpy_and_checks_shapes():
    layer = Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float64)
    x = np.arange(6.0).reshape(2, 3)
    expected = x @ ta.to_numpy(layer.weight) + ta.to_numpy(layer.bias)
    np.testing.assert_allclose(ta.to_numpy(layer(ta.tensor(x))), expected, rtol=1e-12)
    assert Linear(3, 2, bias=False).bias is None
    with pytest.raises(ta.ShapeError, match=r"Linear\(3, 2\).*\(2, 4\)"):
        layer(ta.tensor(np.zeros((2, 4))))


def test_embedding_lookup_gradient_and_errors():
    embedding = nn.Embedding(5, 3, rng=np.random.default_rng(0))
    ids = np.array([[1, 1], [4, 0]])
    out = embedding(ids)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(ta.to_numpy(out)[0, 0], ta.to_numpy(embedding.weight)[1])
    out.sum().backward()
    grad = ta.to_numpy(embedding.weight.grad)
    np.testing.assert_array_equal(grad[:, 0], [1, 2, 0, 0, 1])  # row 1 used twice
    with pytest.raises(ta.ShapeError, match=r"\[0, 5\)"):
        embedding(np.array([5]))
    with pytest.raises(ta.DTypeError, match="integers"):
        embedding(np.array([1.0]))


def test_sequential_applies_layers_in_order():
    model = Sequential(Linear(3, 4), ta.tanh, Linear(4, 1))
    assert len(model) == 3 and len(model.parameters()) == 4
    x = ta.tensor(np.ones((2, 3), dtype=np.float32))
    by_hand = model[2](ta.tanh(model[0](x)))
    np.testing.assert_array_equal(ta.to_numpy(model(x)), ta.to_numpy(by_hand))


# -- initialisers -------------------------------------------------------------------------
def test_uniform_range():
    values = init.uniform((1000,), -0.1, 0.2, np.random.default_rng(0))
    assert values.min() >= -0.1 and values.max() < 0.2 and values.max() > 0.15


def test_xavier_uniform_bound_and_variance():
    values = init.xavier_uniform((200, 300), np.random.default_rng(0))
    bound = np.sqrt(6.0 / 500)
    assert np.abs(values).max() <= bound
    # variance of U(−a, a) is a²/3 = 2 / (fan_in + fan_out)
    assert values.var() == pytest.approx(2.0 / 500, rel=0.05)


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    q = init.orthogonal(shape, np.random.default_rng(0), gain=2.0) / 2.0
    small = min(shape)
    gram = q.T @ q if shape[0] >= shape[1] else q @ q.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)


def test_lstm_forget_gate_bias_is_one():
    bias = init.lstm_bias(4)
    np.testing.assert_array_equal(bias[4:8], 1.0)
    np.testing.assert_array_equal(np.delete(bias, range(4, 8)), 0.0)


def test_default_rng_seed_makes_layers_reproducible():
    init.seed(5)
    first = ta.to_numpy(Linear(3, 3).weight)
    init.seed(5)
    np.testing.assert_array_equal(ta.to_numpy(Linear(3, 3).weight), first)
