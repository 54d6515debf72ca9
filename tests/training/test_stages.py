"""tinyaug.training.stages: which settings are in force at each step, and an optimizer that
changes kind between stages and still saves and loads through a checkpoint."""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug import checkpoint, optim
from tinyaug.nn import Linear
from tinyaug.training.stages import StagedOptimizer, StageSchedule

BASE = {"lr": 1.0, "optimizer": "sgd", "batch_size": 4, "clip": 0.0, "steps": 10}


def test_each_stage_changes_only_what_it_names_and_keeps_the_rest():
    schedule = StageSchedule([{"from_step": 0, "clip": 5.0}, {"from_step": 3, "lr": 0.1},
                              {"from_step": 7, "optimizer": "adam", "clip": 0.0}], BASE)
    assert [schedule.stage_at(step) for step in range(10)] == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
    assert schedule.changed == ["clip", "lr", "optimizer"]
    assert schedule.overrides(0) == {"clip": 5.0, "lr": 1.0, "optimizer": "sgd"}
    assert schedule.overrides(1) == {"clip": 5.0, "lr": 0.1, "optimizer": "sgd"}
    assert schedule.config(2) == {**BASE, "clip": 0.0, "lr": 0.1, "optimizer": "adam"}
    assert not schedule.optimizer_changes(0, 1) and schedule.optimizer_changes(1, 2)


def _make(params):
    kinds = [lambda: optim.SGD(params, lr=1.0, momentum=0.9), lambda: optim.Adam(params, lr=0.1)]
    return lambda index: kinds[index]()


def _step(layer, optimizer, x):
    optimizer.zero_grad()
    (layer(x) ** 2).sum().backward()
    optimizer.step()


def test_a_staged_optimizer_saves_its_stage_and_loads_into_the_right_kind(tmp_path):
    layer = Linear(3, 2, rng=np.random.default_rng(0))
    staged = StagedOptimizer(_make(layer.parameters()), 0)
    x = ta.tensor(np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32))
    _step(layer, staged, x)
    staged.enter(1, fresh=True)
    assert isinstance(staged.current, optim.Adam) and staged.current.steps == 0
    _step(layer, staged, x)
    staged.lr = 0.05
    path = checkpoint.save(tmp_path / "c.npz", layer, staged)

    other = Linear(3, 2, rng=np.random.default_rng(5))
    restored = StagedOptimizer(_make(other.parameters()), 0)
    assert isinstance(restored.current, optim.SGD)
    checkpoint.load(path, other, restored)
    assert restored.stage == 1 and isinstance(restored.current, optim.Adam)
    assert restored.lr == 0.05 and restored.steps == 1
    for key, value in staged.state_dict().items():
        np.testing.assert_array_equal(restored.state_dict()[key], value)


def test_a_checkpoint_without_stages_is_a_clear_error(tmp_path):
    layer = Linear(3, 2, rng=np.random.default_rng(0))
    path = checkpoint.save(tmp_path / "plain.npz", layer, optim.SGD(layer.parameters(), lr=1.0))
    staged = StagedOptimizer(_make(layer.parameters()), 0)
    with pytest.raises(checkpoint.CheckpointError, match="holds SGD state, cannot load it into "
                                                         "StagedOptimizer"):
        checkpoint.load(path, layer, staged)
    with pytest.raises(KeyError, match="missing 'stage'"):
        staged.check_state_dict(optim.SGD(layer.parameters(), lr=1.0).state_dict())
