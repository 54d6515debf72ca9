"""Conv2d (im2col), the bidirectional encoder, the attending decoder, decoding, and short
seeded smoke trainings of every attention experiment."""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug.nn.conv import Conv2d, conv2d
from tinyaug.models.seq2seq import EOS, PAD, captioner, seq2seq
from tinyaug.tasks.tokens import exact_match, pad_time_major


def _reference_conv(images, weight, bias, stride, padding):
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    k = weight.shape[0]
    out_h = (padded.shape[1] - k) // stride + 1
    out_w = (padded.shape[2] - k) // stride + 1
    out = np.zeros((images.shape[0], out_h, out_w, weight.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            patch = padded[:, i * stride:i * stride + k, j * stride:j * stride + k, :]
            out[:, i, j] = np.einsum("buvc,uvco->bo", patch, weight) + bias
    return out


@pytest.mark.parametrize("stride,padding", [(1, 1), (2, 1), (1, 0), (2, 0)])
def test_conv2d_matches_direct_loops(stride, padding, rng):
    images = rng.standard_normal((2, 6, 5, 3))
    weight, bias = rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(4)
    out = conv2d(ta.tensor(images), ta.tensor(weight), ta.tensor(bias), stride, padding)
    np.testing.assert_allclose(ta.to_numpy(out), _reference_conv(images, weight, bias, stride, padding),
                               rtol=1e-10, atol=1e-10)


def test_conv2d_gradcheck(rng):
    images = rng.standard_normal((1, 4, 5, 2))
    weight, bias = rng.standard_normal((3, 3, 2, 2)), rng.standard_normal(2)
    assert ta.gradcheck(lambda x, w, b: conv2d(x, w, b, stride=2, padding=1), [images, weight, bias])


def test_conv2d_errors(rng):
    layer = Conv2d(3, 4)
    with pytest.raises(ta.ShapeError, match="conv2d"):
        layer(ta.tensor(rng.standard_normal((1, 5, 5, 2)).astype(np.float32)))
    with pytest.raises(ta.ShapeError, match="im2col"):
        conv2d(ta.tensor(rng.standard_normal((1, 2, 2, 1))), ta.tensor(rng.standard_normal((5, 5, 1, 1))))


def _tiny_model(attention, rng_seed=0):
    model = seq2seq(9, 7, embedding_size=3, hidden_size=2, attention=attention, attention_size=3,
                    rng=np.random.default_rng(rng_seed))
    return model.astype(np.float64)


def test_bidirectional_encoder_ignores_padding(rng):
    """A sequence encoded alone and padded inside a batch gets the same annotations and summary."""
    model = _tiny_model("additive")
    sequences = [[3, 4, 5, 6, 7], [8, 3, 4]]
    source, mask = pad_time_major(sequences)
    batched = model.encoder(source, mask)
    alone_source, alone_mask = pad_time_major([sequences[1]])
    alone = model.encoder(alone_source, alone_mask)
    np.testing.assert_allclose(ta.to_numpy(batched.keys)[1, :3], ta.to_numpy(alone.keys)[0], rtol=1e-12)
    np.testing.assert_allclose(ta.to_numpy(batched.summary)[1], ta.to_numpy(alone.summary)[0], rtol=1e-12)
    np.testing.assert_array_equal(ta.to_numpy(batched.mask), mask.T)


@pytest.mark.parametrize("attention", [None, "additive", "general", "dot"])
def test_decoder_gradcheck_through_encoder_keys(attention, rng):
    """The teacher-forced loss is differentiable in the encoder annotations (float64)."""
    model = _tiny_model(attention)
    source, mask = pad_time_major([[3, 4, 5], [6, 7]])
    target, target_mask = pad_time_major([[3, 4], [5]], append_eos=True)
    decoder_inputs = np.concatenate([np.ones((1, 2), dtype=np.int64), target[:-1]])
    memory = model.encoder(source, mask)

    def loss(keys, summary):
        memory.keys, memory.summary, memory.projected_keys = keys, summary, None
        logits, _ = model.decoder(decoder_inputs, memory)
        return ta.cross_entropy(logits, ta.tensor(target), mask=ta.tensor(target_mask))

    assert ta.gradcheck(loss, [ta.to_numpy(memory.keys), ta.to_numpy(memory.summary)])


@pytest.mark.parametrize("attention", [None, "additive", "concat"])
def test_beam_of_one_equals_greedy(attention, rng):
    model = _tiny_model(attention, rng_seed=3)
    source, mask = pad_time_major([[3, 4, 5, 6], [7, 8], [3, 3, 3]])
    greedy, weights = model.greedy(source, mask, max_length=6)
    beam = model.beam_search(source, mask, max_length=6, beam_size=1)
    np.testing.assert_array_equal(greedy, beam)
    assert greedy.shape == (6, 3)
    if attention is not None:
        assert weights.shape[1:] == (3, 4)
        np.testing.assert_allclose(weights[0].sum(-1), 1, rtol=1e-9)
        assert np.all(weights[:, 1, 2:] == 0)  # padding of the second source gets no weight


def test_beam_search_finds_at_least_the_greedy_score(rng):
    model = _tiny_model("additive", rng_seed=4)
    source, mask = pad_time_major([[3, 4, 5, 6], [7, 8]])

    def log_prob(ids):
        ids = [list(ids[:, b]) for b in range(ids.shape[1])]
        cut = [s[:s.index(EOS) + 1] if EOS in s else s for s in ids]
        target, target_mask = pad_time_major(cut)
        decoder_inputs = np.concatenate([np.ones((1, 2), dtype=np.int64), target[:-1]])
        logits, _ = model(source, mask, decoder_inputs)
        per_token = ta.to_numpy(ta.cross_entropy(logits, ta.tensor(target), reduction="none"))
        return -(per_token * target_mask).sum(axis=0)

    greedy, _ = model.greedy(source, mask, max_length=8)
    beam = model.beam_search(source, mask, max_length=8, beam_size=4)
    assert np.all(log_prob(beam) >= log_prob(greedy) - 1e-9)


def test_exact_match_counts_eos_and_ignores_padding():
    target, target_mask = pad_time_major([[3, 4], [5]], append_eos=True)
    predicted = np.array([[3, 5], [4, EOS], [EOS, 6], [PAD, 6]])
    np.testing.assert_array_equal(exact_match(predicted, target, target_mask), [True, True])
    predicted[2, 0] = 4
    np.testing.assert_array_equal(exact_match(predicted, target, target_mask), [False, True])


def test_captioner_attends_over_the_feature_grid(rng):
    model = captioner(10, embedding_size=4, hidden_size=8, channels=(4, 4), attention_size=4,
                      rng=np.random.default_rng(0))
    images = rng.uniform(size=(2, 16, 16, 3)).astype(np.float32)
    ids, weights = model.greedy(images, None, max_length=4)
    assert weights.shape[1:] == (2, 8 * 8)  # strides (1, 2): a 8×8 grid of annotations
    np.testing.assert_allclose(weights.sum(-1), 1, rtol=1e-5)


# -- smoke trainings through the Experiment contract ---------------------------------------------
SMOKE = [
    ("dates", "seq2seq-attention", {"hidden_size": 16, "embedding_size": 8, "attention_size": 16}, 30),
    ("dates", "seq2seq", {"hidden_size": 16, "embedding_size": 8}, 30),
    ("reversal", "seq2seq-attention", {"hidden_size": 16, "embedding_size": 8, "max_length": 8}, 30),
    ("reversal", "seq2seq", {"hidden_size": 16, "embedding_size": 8, "max_length": 8}, 30),
    ("shapes", "captioner", {"hidden_size": 16, "embedding_size": 8, "attention_size": 8}, 40),
]


@pytest.mark.parametrize("task,model,settings,steps", SMOKE, ids=[f"{t}/{m}" for t, m, _, _ in SMOKE])
def test_smoke_training_loss_falls(task, model, settings, steps, backend):
    if backend != "numpy":
        pytest.skip("one backend is enough for the smoke trainings (the layers run on both)")
    from tinyaug.experiments import discover
    from tinyaug.training import loop
    discover()
    experiment, _ = loop.build_experiment(task, model, {"seed": 0, "batch_size": 16, "lr": 1e-2,
                                                        "eval_batch_size": 16, **settings})
    losses = [experiment.train_step(step)["loss"] for step in range(steps)]
    assert np.mean(losses[-5:]) < 0.9 * np.mean(losses[:5])
    metrics = experiment.evaluate(np.random.default_rng(1))
    assert 0 <= metrics["exact_match"] <= 1 and np.isfinite(metrics["loss"])


def test_experiment_plots_write_figures(tmp_path, backend):
    if backend != "numpy":
        pytest.skip("figures once")
    from tinyaug.experiments import discover
    from tinyaug.training import loop
    discover()
    experiment, config = loop.build_experiment("reversal", "seq2seq-attention", {
        "hidden_size": 8, "embedding_size": 4, "max_length": 10, "eval_lengths": "5,10",
        "eval_batch_size": 8, "steps": 2, "eval_every": 2, "checkpoint_every": 2})
    loop.train(experiment, config, str(tmp_path), progress="quiet")
    for name in ("length_accuracy.png", "length_accuracy.csv", "learning_curve.png", "checkpoint.npz"):
        assert (tmp_path / name).exists()


def test_init_from_copies_weights_of_a_saved_run(tmp_path, backend):
    """A curriculum stage starts from another run's weights (and a fresh optimizer); a run of
    another model is refused by name."""
    if backend != "numpy":
        pytest.skip("checkpoint files once")
    from tinyaug.checkpoint import CheckpointError
    from tinyaug.experiments import discover
    from tinyaug.training import loop
    discover()
    small = {"hidden_size": 8, "embedding_size": 4, "attention_size": 8, "eval_lengths": "5",
             "eval_batch_size": 8, "steps": 3, "eval_every": 3, "checkpoint_every": 3}
    first, config = loop.build_experiment("reversal", "seq2seq-attention", {**small, "max_length": 8})
    loop.train(first, config, str(tmp_path / "short"), progress="quiet")
    second, _ = loop.build_experiment("reversal", "seq2seq-attention",
                                      {**small, "max_length": 12, "seed": 1, "init_from": str(tmp_path / "short")})
    fresh, _ = loop.build_experiment("reversal", "seq2seq-attention", {**small, "max_length": 12, "seed": 1})
    trained_state, copied_state = first.model.state_dict(), second.model.state_dict()
    assert trained_state.keys() == copied_state.keys()
    for name in trained_state:
        np.testing.assert_array_equal(copied_state[name], trained_state[name])
    assert any(not np.array_equal(fresh.model.state_dict()[n], trained_state[n]) for n in trained_state)
    assert second.optimizer.steps == 0 and first.optimizer.steps == 3
    with pytest.raises(CheckpointError, match="short"):
        loop.build_experiment("reversal", "seq2seq", {**small, "init_from": str(tmp_path / "short")})


@pytest.mark.parametrize("attention", [None, "additive", "general"])
def test_context_override_with_the_attended_context_changes_nothing(attention, rng):
    """The ablation hook: overriding c_i with the context the step would attend to anyway
    reproduces the step; overriding it with the mean annotation changes the logits."""
    model = _tiny_model(attention, rng_seed=5)
    source, mask = pad_time_major([[3, 4, 5, 6], [7, 8]])
    memory = model.decoder.prepare(model.encoder(source, mask))
    state = model.decoder.initial_state(memory)
    previous = np.array([1, 1])
    logits, _, weights = model.decoder.step(previous, state, memory)
    attended = memory.summary if weights is None else \
        ta.tensor(np.einsum("bs,bsk->bk", ta.to_numpy(weights), ta.to_numpy(memory.keys)))
    same, _, _ = model.decoder.step(previous, state, memory, context_override=attended)
    np.testing.assert_allclose(ta.to_numpy(same), ta.to_numpy(logits), rtol=1e-9, atol=1e-12)
    if attention is not None:
        other, _, _ = model.decoder.step(previous, state, memory, context_override=memory.summary)
        assert not np.allclose(ta.to_numpy(other), ta.to_numpy(logits))


def test_word_attention_report_matches_teacher_forced_logits(backend):
    """Unablated, the report's teacher-forced word accuracies equal those of the model's own
    teacher-forced logits; every fraction lies in [0, 1]."""
    if backend != "numpy":
        pytest.skip("one backend is enough for the report")
    from tinyaug.experiments import discover
    from tinyaug.experiments.attention import word_attention_report
    from tinyaug.training import loop
    discover()
    experiment, _ = loop.build_experiment("shapes", "captioner", {
        "hidden_size": 8, "embedding_size": 4, "attention_size": 4, "seed": 0})
    for step in range(15):   # a few steps, so that some words come out right
        experiment.train_step(step)
    batch = experiment.task_generator.batch(24, np.random.default_rng(2))
    report = word_attention_report(experiment, batch)
    experiment.model.eval()
    with ta.no_grad():
        _, logits, _ = experiment.model.loss(batch)
    predicted = ta.to_numpy(logits).argmax(-1)
    words = (batch.target_mask > 0) & (batch.target != 2)
    for parity, kind in enumerate(("colour", "shape")):
        rows = words.copy()
        rows[1 - parity::2] = False
        expected = ((predicted == batch.target) & rows).sum() / rows.sum()
        assert report["teacher_forced"][f"{kind}_words"] == pytest.approx(expected)
        assert all(0 <= value <= 1 for key, value in report[kind].items() if key != "entropy")
        assert 0 <= report[kind]["entropy"] <= np.log(64) + 1e-6


@pytest.mark.parametrize("input_feeding", [True, False])
def test_captioner_input_feeding_option(input_feeding, rng):
    """With a Luong score the captioner feeds h̃_{i−1} into the cell only when asked to."""
    model = captioner(10, embedding_size=4, hidden_size=8, channels=(4, 4), attention="concat",
                      attention_size=4, input_feeding=input_feeding, rng=np.random.default_rng(0))
    assert model.decoder.feed_size == (8 if input_feeding else 0)
    images = rng.uniform(size=(2, 16, 16, 3)).astype(np.float32)
    ids, weights = model.greedy(images, None, max_length=3)
    np.testing.assert_allclose(weights.sum(-1), 1, rtol=1e-5)
