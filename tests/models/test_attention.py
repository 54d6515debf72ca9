"""Attention layers: masking, the scores against their equations, gradchecks in float64."""
import math

import numpy as np
import pytest

import tinyaug as ta
from tinyaug.nn.attention import (AdditiveAttention, ConcatAttention, DotAttention,
                                      GeneralAttention, make_attention, masked_softmax)

BATCH, SOURCE, QUERY, KEY, VALUE, HIDDEN = 2, 4, 3, 3, 2, 5
MASK = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=np.float64)


def _inputs(rng):
    return (rng.standard_normal((BATCH, QUERY)), rng.standard_normal((BATCH, SOURCE, KEY)),
            rng.standard_normal((BATCH, SOURCE, VALUE)))


def _layers():
    rng = np.random.default_rng(5)
    return {"dot": DotAttention(), "scaled-dot": DotAttention(scaled=True),
            "general": GeneralAttention(QUERY, KEY, rng=rng),
            "concat": ConcatAttention(QUERY, KEY, HIDDEN, rng=rng),
            "additive": AdditiveAttention(QUERY, KEY, HIDDEN, rng=rng)}


def test_masked_softmax_gives_masked_positions_no_weight(rng):
    scores = rng.standard_normal((BATCH, SOURCE)) * 5
    weights = ta.to_numpy(masked_softmax(ta.tensor(scores), ta.tensor(MASK)))
    assert np.all(weights[MASK == 0] == 0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-6)
    for b in range(BATCH):  # equals a plain softmax over the real positions only
        real = scores[b, MASK[b] > 0]
        expected = np.exp(real - real.max()) / np.exp(real - real.max()).sum()
        np.testing.assert_allclose(weights[b, MASK[b] > 0], expected, rtol=1e-5)


def test_masked_softmax_matches_composite_twin_in_float64(rng):
    scores = rng.standard_normal((BATCH, 3, SOURCE))
    fused = ta.tensor(scores, requires_grad=True)
    twin = ta.tensor(scores, requires_grad=True)
    mask = MASK[:, None, :]
    upstream = rng.standard_normal(scores.shape)
    out_fused = masked_softmax(fused, ta.tensor(mask))
    out_twin = ta.softmax(ta.where(ta.tensor(mask > 0), twin, -1e30), axis=-1)  # exp(-1e30) = 0 exactly
    np.testing.assert_allclose(ta.to_numpy(out_fused), ta.to_numpy(out_twin), atol=1e-10, rtol=0)
    (out_fused * ta.tensor(upstream)).sum().backward()
    (out_twin * ta.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(ta.to_numpy(fused.grad), ta.to_numpy(twin.grad), atol=1e-10, rtol=0)


def test_fully_masked_row_is_zero_not_nan(rng):
    scores = ta.tensor(rng.standard_normal((2, SOURCE)), requires_grad=True)
    mask = np.array([[1, 0, 1, 0], [0, 0, 0, 0]])
    weights = masked_softmax(scores, ta.tensor(mask))
    (weights * ta.tensor(rng.standard_normal((2, SOURCE)))).sum().backward()
    out, grad = ta.to_numpy(weights), ta.to_numpy(scores.grad)
    assert np.isfinite(out).all() and np.isfinite(grad).all()
    assert np.all(out[1] == 0) and np.all(grad[1] == 0)
    context, _ = DotAttention()(ta.tensor(rng.standard_normal((2, KEY))),
                                ta.tensor(rng.standard_normal((2, SOURCE, KEY))), mask=ta.tensor(mask))
    assert np.all(ta.to_numpy(context)[1] == 0)


def test_huge_scores_do_not_overflow():
    scores = ta.tensor(np.array([[1e4, -1e4, 3e4, 0.0]]))
    weights = ta.to_numpy(masked_softmax(scores, ta.tensor(np.array([[1, 1, 0, 1]]))))
    np.testing.assert_allclose(weights, [[1, 0, 0, 0]])


@pytest.mark.parametrize("kind", ["dot", "scaled-dot", "general", "concat", "additive"])
def test_layers_return_context_and_weights(kind, rng):
    query, keys, values = _inputs(rng)
    layer = _layers()[kind]
    context, weights = layer(ta.tensor(query), ta.tensor(keys), ta.tensor(values), mask=ta.tensor(MASK))
    context, weights = ta.to_numpy(context), ta.to_numpy(weights)
    assert context.shape == (BATCH, VALUE) and weights.shape == (BATCH, SOURCE)
    assert np.all(weights[MASK == 0] == 0)
    np.testing.assert_allclose(weights.sum(-1), 1, rtol=1e-6)
    np.testing.assert_allclose(context, np.einsum("bs,bsv->bv", weights, values), rtol=1e-5, atol=1e-6)


def test_scores_follow_their_equations(rng):
    query, keys, _ = _inputs(rng)
    layers = _layers()
    q, k = ta.tensor(query), ta.tensor(keys)
    dot = np.einsum("bk,bsk->bs", query, keys)
    np.testing.assert_allclose(ta.to_numpy(layers["dot"].scores(q, k)), dot, rtol=1e-5)
    np.testing.assert_allclose(ta.to_numpy(layers["scaled-dot"].scores(q, k)), dot / math.sqrt(KEY), rtol=1e-5)
    w = ta.to_numpy(layers["general"].weight)
    np.testing.assert_allclose(ta.to_numpy(layers["general"].scores(q, k)),
                               np.einsum("bq,qk,bsk->bs", query, w, keys), rtol=1e-5)
    add = layers["additive"]
    W, U, v = (ta.to_numpy(p) for p in (add.query_weight, add.key_weight, add.vector))
    expected = np.tanh((query @ W)[:, None, :] + keys @ U) @ v        # vᵀ tanh(W s + U h_j)
    np.testing.assert_allclose(ta.to_numpy(add.scores(q, k)), expected, rtol=1e-5, atol=1e-6)


def test_concat_equals_additive_with_split_weights(rng):
    """vᵀ tanh(W_a [q; k]) is vᵀ tanh(W q + U k) with W, U the blocks of W_a."""
    query, keys, _ = _inputs(rng)
    concat = ConcatAttention(QUERY, KEY, HIDDEN, rng=np.random.default_rng(1))
    additive = AdditiveAttention(QUERY, KEY, HIDDEN, rng=np.random.default_rng(2))
    joint = ta.to_numpy(concat.weight)
    additive.load_state_dict({"query_weight": joint[:QUERY], "key_weight": joint[QUERY:],
                              "vector": ta.to_numpy(concat.vector)})
    q, k = ta.tensor(query), ta.tensor(keys)
    np.testing.assert_allclose(ta.to_numpy(concat.scores(q, k)), ta.to_numpy(additive.scores(q, k)),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["dot", "scaled-dot", "general", "concat", "additive"])
def test_gradcheck_layers_float64(kind, rng):
    """Gradients of query, keys, values and every parameter, with a mask, in float64."""
    layer = _layers()[kind].astype(np.float64)
    names = [name for name, _ in layer.named_parameters()]
    query, keys, values = _inputs(rng)
    mask = ta.tensor(MASK)

    def attention(q, k, v, *params):
        for name, p in zip(names, params):
            object.__setattr__(layer, name, p)  # run the layer on the gradchecked copies
        context, weights = layer(q, k, v, mask=mask)
        return context, weights

    params = [ta.to_numpy(p) for p in layer.parameters()]
    assert ta.gradcheck(attention, [query, keys, values, *params])


def test_additive_precomputed_keys_give_the_same_result(rng):
    query, keys, _ = _inputs(rng)
    layer = _layers()["additive"]
    q, k = ta.tensor(query), ta.tensor(keys)
    once = layer(q, k, mask=ta.tensor(MASK), projected_keys=layer.project_keys(k))
    fresh = layer(q, k, mask=ta.tensor(MASK))
    for a, b in zip(once, fresh):
        np.testing.assert_allclose(ta.to_numpy(a), ta.to_numpy(b), rtol=1e-6)


def test_shape_errors_name_the_layer_and_shapes(rng):
    query, keys, values = _inputs(rng)
    layers = _layers()
    with pytest.raises(ta.ShapeError, match="GeneralAttention.*keys"):
        layers["general"](ta.tensor(query), ta.tensor(keys[..., :2]))
    with pytest.raises(ta.ShapeError, match="mask must be"):
        layers["additive"](ta.tensor(query), ta.tensor(keys), mask=ta.tensor(MASK[:, :3]))
    with pytest.raises(ta.ShapeError, match="DotAttention"):
        layers["dot"](ta.tensor(query[:, :2]), ta.tensor(keys))
    with pytest.raises(ta.ShapeError, match="values"):
        layers["dot"](ta.tensor(query), ta.tensor(keys), ta.tensor(values[:, :3]))
    with pytest.raises(ta.ShapeError, match="masked_softmax"):
        masked_softmax(ta.tensor(rng.standard_normal((2, 4))), ta.tensor(np.ones((3, 4))))
    with pytest.raises(ValueError, match="unknown attention"):
        make_attention("cosine", 3, 3, 3)
