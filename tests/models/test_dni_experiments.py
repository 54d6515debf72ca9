"""The DNI experiments (tinyaug/experiments/dni.py) and the character corpus (tasks/chars.py):
smoke trainings, the curriculum, streams, errors."""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug.autograd import ops
from tinyaug.nn import LSTMCell
from tinyaug.models.dni import TruncatedBPTT
from tinyaug.nn import SyntheticGradient
from tinyaug.tasks.chars import (CharStreams, CorpusError, decode, encode, load_corpus,
                                 split_corpus)
from tinyaug.training.loop import build_experiment

TEXT = ("The quick brown fox jumps over the lazy dog.\nPack my box with five dozen liquor jugs.\n"
        "How vexingly quick daft zebras jump!\n") * 30


@pytest.fixture
def corpus_dir(tmp_path):
    (tmp_path / "pangrams").write_text(TEXT)
    (tmp_path / "pangrams.dat").write_bytes(b"\x00\x01index")   # fortune's index: skipped
    return str(tmp_path)


def test_encode_decode_and_corpus_loading(corpus_dir):
    ids = encode(b"Hi!\n\xe9")
    assert ids.tolist() == [ord("H") - 32, ord("i") - 32, ord("!") - 32, 95, 96]
    assert decode(ids[:4]) == "Hi!\n"
    text = load_corpus(corpus_dir)
    assert decode(text) == TEXT                     # the .dat file is not read
    train, held_out = split_corpus(text)
    assert len(train) + len(held_out) == len(text) and len(held_out) == len(text) - int(len(text) * 0.95)
    with pytest.raises(CorpusError, match="apt-get install fortunes"):
        load_corpus(corpus_dir + "/missing")


def test_streams_continue_window_after_window(corpus_dir):
    text = load_corpus(corpus_dir)
    streams = CharStreams(text, 3, np.random.default_rng(0))
    first_inputs, first_targets = streams.next_window(5)
    second_inputs, _ = streams.next_window(5)
    assert first_inputs.shape == (5, 3, 97) and first_targets.shape == (5, 3)
    # the first input of the next window is the last target of this one
    np.testing.assert_array_equal(second_inputs[0].argmax(-1), first_targets[-1])
    np.testing.assert_array_equal(first_inputs[1:].argmax(-1), first_targets[:-1])


def test_stream_mode_injects_at_the_last_window_and_reads_every_start():
    rng = np.random.default_rng(0)
    cell = LSTMCell(3, 4, rng=rng, dtype=np.float64)
    synth = SyntheticGradient((4, 4), rng=rng, dtype=np.float64)
    synth.output_bias.data[...] = 0.1                         # a nonzero M
    inputs = ta.tensor(rng.standard_normal((6, 2, 3)))

    def step_loss(t, output):
        return ops.sum(output * output)
    closed = TruncatedBPTT(cell, 3, synthesizer=synth).run(inputs, step_loss)
    closed_grad = ta.to_numpy(cell.weight_hidden.grad).copy()
    cell.weight_hidden.grad = None
    streamed = TruncatedBPTT(cell, 3, synthesizer=synth).run(inputs, step_loss, stream=True)
    assert len(closed["synthesizer_loss"]) == 1 and len(streamed["synthesizer_loss"]) == 2
    assert np.abs(ta.to_numpy(cell.weight_hidden.grad) - closed_grad).max() > 1e-6


@pytest.mark.parametrize("model", ["lstm-tbptt", "lstm-dni", "lstm-dni-aux"])
def test_copy_curriculum_smoke_training_lowers_the_loss(model):
    experiment, _ = build_experiment("copy", model, {"window": 2, "hidden_size": 16, "lr": 1e-2,
                                                     "start_length": 1, "threshold": 0.0})
    losses = [experiment.train_step(step)["loss"] for step in range(100)]
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:10])
    metrics = experiment.evaluate(np.random.default_rng(0))
    assert np.isfinite(metrics["bits_per_vector"])
    if model != "lstm-tbptt":
        assert -1.0 <= metrics["true_gradient_cosine"] <= 1.0


def test_curriculum_lengthens_when_the_error_falls_under_the_threshold():
    experiment, _ = build_experiment("repeat-copy", "lstm-dni", {
        "window": 3, "hidden_size": 8, "threshold": 1e9, "curriculum_window": 2})
    lengths = [experiment.train_step(step)["length"] for step in range(5)]
    assert lengths == [1, 1, 2, 2, 3]        # every 2 steps once the (huge) threshold is met
    state = experiment.extra_state()
    experiment.length = 1
    experiment.load_extra_state(state)
    assert experiment.length == 3


def test_char_language_model_smoke(corpus_dir):
    experiment, _ = build_experiment("chars", "lstm-dni", {
        "corpus_dir": corpus_dir, "hidden_size": 16, "window": 4, "batch_size": 4, "lr": 1e-2,
        "eval_streams": 2, "eval_length": 20})
    bits = [experiment.train_step(step)["bits_per_char"] for step in range(60)]
    assert np.mean(bits[-10:]) < np.mean(bits[:10]) - 0.5
    metrics = experiment.evaluate(np.random.default_rng(0))
    assert metrics["bits_per_char"] < 6.6 and -1.0 <= metrics["true_gradient_cosine"] <= 1.0


def test_char_language_model_keeps_streams_and_state_in_checkpoints(corpus_dir):
    settings = {"corpus_dir": corpus_dir, "hidden_size": 8, "window": 3, "batch_size": 2}
    experiment, _ = build_experiment("chars", "lstm-tbptt", settings)
    for step in range(3):
        experiment.train_step(step)
    saved = experiment.extra_state()
    fresh, _ = build_experiment("chars", "lstm-tbptt", settings)
    fresh.load_extra_state(saved)
    np.testing.assert_array_equal(fresh.streams.positions, experiment.streams.positions)
    for a, b in zip(fresh.state, experiment.state):
        np.testing.assert_allclose(ta.to_numpy(a), ta.to_numpy(b))
