"""End-to-end memory network: position encoding against the paper's formula, masking of empty
memories, adjacent weight tying, temporal indices with random noise, errors, and a short
training on a generated bAbI task whose loss must fall."""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug.autograd.ops import cross_entropy
from tinyaug.models.memn2n import MemN2N, position_weights, recency_indices
from tinyaug.tasks import make_task


def test_position_weights_follow_the_formula():
    ids = np.array([[5, 3, 9, 0, 0], [7, 0, 0, 0, 0]])
    d = 4
    weights = position_weights(ids, d)
    for row, length in ((0, 3), (1, 1)):
        for j in range(1, length + 1):
            for k in range(1, d + 1):
                expected = (1 - j / length) - (k / d) * (1 - 2 * j / length)   # l_kj, §4.1
                assert weights[row, j - 1, k - 1] == pytest.approx(expected)
    assert np.all(weights[0, 3:] == 0) and np.all(weights[1, 1:] == 0)
    bag = position_weights(ids, d, position_encoding=False)
    assert np.array_equal(bag[..., 0], (ids != 0).astype(float))


def test_recency_indices_with_and_without_noise():
    mask = np.array([[1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0]], dtype=float)
    plain = recency_indices(mask)
    assert plain.tolist() == [[3, 2, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]]
    noisy = recency_indices(np.ones((50, 30)), np.random.default_rng(0), noise=0.5)
    assert np.all(np.diff(noisy, axis=1) <= -1)          # still strictly older to the left
    assert np.all(noisy[:, -1] == 0) and noisy.max() > 29   # gaps were inserted


def _problem(rng, n=3, m=6, length=4, vocab=12):
    facts = rng.integers(1, vocab, size=(n, m, length))
    facts[:, :, -1] = 0
    mask = np.ones((n, m))
    mask[0, 4:] = 0
    facts[0, 4:] = 0
    question = rng.integers(1, vocab, size=(n, 3))
    return facts, mask, question


def test_empty_memories_get_no_attention_and_rows_sum_to_one(rng):
    model = MemN2N(12, 5, embedding_dim=8, hops=3, memory_size=6, rng=rng, dtype=np.float64)
    facts, mask, question = _problem(rng)
    trace = {}
    logits = model(facts, mask, question, trace=trace)
    assert logits.shape == (3, 5)
    attention = trace["attention"]
    assert attention.shape == (3, 3, 6)
    assert np.all(attention[:, 0, 4:] == 0)
    np.testing.assert_allclose(attention.sum(axis=-1), 1.0, atol=1e-12)


def test_adjacent_weight_tying_parameter_layout(rng):
    model = MemN2N(12, 5, embedding_dim=8, hops=3, memory_size=6, rng=rng)
    names = [name for name, _ in model.named_parameters()]
    assert names == ["embedding_0", "temporal_0", "embedding_1", "temporal_1", "embedding_2",
                     "temporal_2", "embedding_3", "temporal_3", "answer_weight"]
    # Hop k reads with A^k = E_{k-1} and C^k = E_k: the output embedding of hop 1 is the input
    # embedding of hop 2, so perturbing E_1 changes hop 2's attention (and E_3 only the answer).
    facts, mask, question = _problem(rng)
    before = {}
    model(facts, mask, question, trace=before)
    model.embedding_3.data[...] += 1.0
    after = {}
    model(facts, mask, question, trace=after)
    np.testing.assert_array_equal(before["attention"], after["attention"])
    model.embedding_1.data[...] += 1.0
    model(facts, mask, question, trace=after)
    np.testing.assert_array_equal(before["attention"][0], after["attention"][0])
    assert not np.allclose(before["attention"][1], after["attention"][1])


def test_position_encoding_makes_word_order_matter(rng):
    facts, mask, question = _problem(rng)
    swapped = facts.copy()
    swapped[:, :, [0, 1]] = facts[:, :, [1, 0]]
    for encoding, differs in ((True, True), (False, False)):
        model = MemN2N(12, 5, embedding_dim=8, hops=2, memory_size=6, position_encoding=encoding,
                       rng=np.random.default_rng(0), dtype=np.float64)
        one = ta.to_numpy(model(facts, mask, question))
        two = ta.to_numpy(model(swapped, mask, question))
        assert (not np.allclose(one, two)) == differs


def test_bad_shapes_are_clear_errors(rng):
    model = MemN2N(12, 5, embedding_dim=8, hops=1, memory_size=6, rng=rng)
    facts, mask, question = _problem(rng)
    with pytest.raises(ta.ShapeError, match="MemN2N.*fact_mask"):
        model(facts, mask[:, :3], question)
    with pytest.raises(ta.ShapeError, match="word ids must be < 12"):
        model(facts + 20, mask, question)
    with pytest.raises(ValueError, match="hops"):
        MemN2N(12, 5, hops=0)
    with pytest.raises(ValueError, match="hop_nonlinearity must be one of"):
        MemN2N(12, 5, hop_nonlinearity="tanh")


@pytest.mark.parametrize("tying", ["adjacent", "layerwise"])
def test_short_training_on_generated_task_lowers_the_loss(tying):
    task = make_task("babi", task_id=1, train_questions=400, test_questions=20)
    model = MemN2N(task.input_size, task.output_size, embedding_dim=16, hops=2,
                   memory_size=50, weight_tying=tying, rng=np.random.default_rng(0))
    optimizer = ta.optim.Adam(model.parameters(), lr=0.02)
    data_rng = np.random.default_rng(1)
    losses = []
    for _ in range(100):
        batch = task.batch(32, data_rng)
        loss = cross_entropy(model(batch.facts, batch.fact_mask, batch.question),
                             ta.tensor(batch.answer))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])


@pytest.mark.parametrize("nonlinearity", ["none", "relu", "relu-half"])
def test_forward_matches_a_direct_numpy_computation(rng, nonlinearity):
    """The model against the paper's equations written out in NumPy (gather each word's
    vector; eqs. 1-3 with PE, TE and adjacent tying), float64; with ``relu`` the update
    between hops is u^{k+1} = max(0, u^k + o^k) (the released code's add_nonlin), with
    ``relu-half`` only on the first half of the units."""
    facts, mask, question = _problem(rng)
    model = MemN2N(12, 5, embedding_dim=6, hops=3, memory_size=6, hop_nonlinearity=nonlinearity,
                   rng=rng, dtype=np.float64)
    temporal = recency_indices(mask)
    E = [ta.to_numpy(model.embedding(k)) for k in range(4)]
    T = [ta.to_numpy(getattr(model, f"temporal_{k}")) for k in range(4)]
    fact_l, question_l = position_weights(facts, 6), position_weights(question, 6)
    u = (E[0][question] * question_l).sum(axis=1)
    negative_seen = np.zeros(6, dtype=bool)
    for k in range(1, 4):
        m = (E[k - 1][facts] * fact_l).sum(axis=2) + T[k - 1][temporal]
        c = (E[k][facts] * fact_l).sum(axis=2) + T[k][temporal]
        scores = np.einsum("nmd,nd->nm", m, u) + np.where(mask > 0, 0.0, -1e9)
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        u = u + np.einsum("nm,nmd->nd", p, c)
        negative_seen = negative_seen | np.any(u < 0, axis=0)
        if nonlinearity == "relu":
            u = np.maximum(u, 0.0)
        elif nonlinearity == "relu-half":     # units 0..2 through a ReLU, 3..5 linear
            u = np.concatenate([np.maximum(u[:, :3], 0.0), u[:, 3:]], axis=1)
    assert negative_seen[:3].any() and negative_seen[3:].any()   # the ReLU had something to cut
    expected = u @ ta.to_numpy(model.answer_weight)
    np.testing.assert_allclose(ta.to_numpy(model(facts, mask, question)), expected, rtol=1e-10, atol=1e-12)


def test_layerwise_tying_matches_a_direct_numpy_computation(rng):
    """Layer-wise tying (§2.2): the same A, C (and T_A, T_C) in every hop, the question's own
    B, u^{k+1} = H u^k + o^k; its parameters, and the model against NumPy in float64."""
    facts, mask, question = _problem(rng)
    model = MemN2N(12, 5, embedding_dim=6, hops=3, memory_size=6, weight_tying="layerwise",
                   rng=rng, dtype=np.float64)
    assert [name for name, _ in model.named_parameters()] == [
        "embedding_0", "embedding_1", "temporal_1", "embedding_2", "temporal_2", "hop_map",
        "answer_weight"]
    temporal = recency_indices(mask)
    B, A, C = (ta.to_numpy(model.embedding(k)) for k in range(3))
    T_A, T_C, H = (ta.to_numpy(p) for p in (model.temporal_1, model.temporal_2, model.hop_map))
    fact_l, question_l = position_weights(facts, 6), position_weights(question, 6)
    u = (B[question] * question_l).sum(axis=1)
    m = (A[facts] * fact_l).sum(axis=2) + T_A[temporal]
    c = (C[facts] * fact_l).sum(axis=2) + T_C[temporal]
    for _ in range(3):
        scores = np.einsum("nmd,nd->nm", m, u) + np.where(mask > 0, 0.0, -1e9)
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        u = u @ H.T + np.einsum("nm,nmd->nd", p, c)
    expected = u @ ta.to_numpy(model.answer_weight)
    np.testing.assert_allclose(ta.to_numpy(model(facts, mask, question)), expected, rtol=1e-10, atol=1e-12)
    # H matters: the same hops with H = I (no map) give other logits.
    u = (B[question] * question_l).sum(axis=1)
    for _ in range(3):
        scores = np.einsum("nmd,nd->nm", m, u) + np.where(mask > 0, 0.0, -1e9)
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        u = u + np.einsum("nm,nmd->nd", p / p.sum(axis=1, keepdims=True), c)
    assert not np.allclose(u @ ta.to_numpy(model.answer_weight), expected, atol=1e-3)
    with pytest.raises(ValueError, match="weight_tying must be one of"):
        MemN2N(12, 5, weight_tying="tied")
