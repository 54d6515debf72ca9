"""Bits per sequence, wrong bits, and the SequenceExperiment hook."""
import math

import numpy as np
import pytest

import tinyaug as ta
from tinyaug.nn import Linear, Module
from tinyaug.tasks import make_task
from tinyaug.training.experiment import EXPERIMENTS, register
from tinyaug.experiments.sequence import (SequenceExperiment, bits_per_sequence,
                                       masked_bce_per_sequence, wrong_bits_per_sequence)


def test_bits_per_sequence_by_hand():
    logits = np.zeros((3, 2, 2))       # p = ½ everywhere: 1 bit per counted output
    targets = np.zeros((3, 2, 2))
    mask = np.array([[1, 0], [1, 1], [0, 0]], dtype=float)
    # sequence 0 counts 2 steps × 2 bits, sequence 1 counts 1 step × 2 bits: (4 + 2) / 2
    assert bits_per_sequence(logits, targets, mask) == pytest.approx(3.0)
    logits[0, 0, 0] = math.log(3.0)    # p = 0.75 for a 0 target: −log2(0.25) = 2 bits
    assert bits_per_sequence(logits, targets, mask) == pytest.approx(3.5)
    logits[2, :, :] = 50.0             # outside the mask: no effect
    assert bits_per_sequence(logits, targets, mask) == pytest.approx(3.5)


def test_wrong_bits_per_sequence_by_hand():
    logits = np.array([[[2.0, -1.0]], [[-3.0, 0.5]]])   # (time 2, batch 1, 2)
    targets = np.array([[[1.0, 1.0]], [[0.0, 0.0]]])
    mask = np.ones((2, 1))
    assert wrong_bits_per_sequence(logits, targets, mask) == 2.0
    mask[1, 0] = 0
    assert wrong_bits_per_sequence(logits, targets, mask) == 1.0


def test_chance_on_copy_is_about_84_bits():
    inputs, targets, mask = make_task("copy").batch(4000, np.random.default_rng(0))
    chance = bits_per_sequence(np.zeros_like(targets), targets, mask)
    assert chance == pytest.approx(84.0, abs=1.0)  # 8 bits × E[L] = 8 × 10.5


def test_tensor_cost_matches_the_host_metric(backend):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 3, 5))
    targets = (rng.random((4, 3, 5)) > 0.5).astype(float)
    mask = (rng.random((4, 3)) > 0.3).astype(float)
    per_sequence = masked_bce_per_sequence(ta.tensor(logits), ta.tensor(targets), ta.tensor(mask))
    assert per_sequence.shape == (3,)
    assert float(ta.to_numpy(per_sequence).mean()) / math.log(2) == pytest.approx(
        bits_per_sequence(logits, targets, mask), rel=1e-12)


class TinyReadout(Module):
    """No recurrence: logits from the current input only (enough to exercise the hook)."""

    def __init__(self, input_size, output_size, rng):
        super().__init__()
        self.layer = Linear(input_size, output_size, rng=rng)

    def forward(self, inputs):
        return self.layer(inputs)


@register
class CopyReadout(SequenceExperiment):
    """Test-only experiment: the documented hook, one method."""
    task = "copy"
    model_name = "test-readout"
    defaults = {"max_length": 3, "batch_size": 4, "eval_batch_size": 8}

    def build_model(self, input_size, output_size, rng):
        return TinyReadout(input_size, output_size, rng)


def test_sequence_experiment_hook_config_and_metrics():
    config = CopyReadout.default_config()
    assert config["max_length"] == 3 and config["min_length"] == 1 and config["bits"] == 8
    assert config["optimizer"] == "adam"
    experiment = CopyReadout({**config, "generalisation_length": 6}, np.random.default_rng(0))
    assert experiment.task_generator.max_length == 3
    metrics = experiment.train_step(0)
    assert set(metrics) >= {"loss", "bits_per_sequence", "wrong_bits_per_sequence"}
    # loss is the mean BCE per counted bit in nats; bits per sequence is its sum in bits
    assert 0 < metrics["loss"] < 5 and metrics["bits_per_sequence"] > 0
    result = experiment.evaluate(np.random.default_rng(1))
    assert set(result) == {"bits_per_sequence", "wrong_bits_per_sequence",
                           "bits_per_sequence_at_6", "wrong_bits_per_sequence_at_6"}
    # evaluating does not touch the training stream
    state = experiment.rng.bit_generator.state
    experiment.evaluate(np.random.default_rng(2))
    assert experiment.rng.bit_generator.state == state


@pytest.mark.parametrize("name", ["rmsprop", "sgd"])
def test_other_optimizers_and_unknown_one(name):
    config = {**CopyReadout.default_config(), "optimizer": name}
    experiment = CopyReadout(config, np.random.default_rng(0))
    before = ta.to_numpy(experiment.model.layer.bias).copy()
    experiment.train_step(0)  # (the weight gets no gradient: inputs are zero while answering)
    assert not np.array_equal(ta.to_numpy(experiment.model.layer.bias), before)
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        CopyReadout({**config, "optimizer": "lbfgs"}, np.random.default_rng(0))


def test_registration_is_by_task_and_model():
    assert EXPERIMENTS[("copy", "test-readout")] is CopyReadout
