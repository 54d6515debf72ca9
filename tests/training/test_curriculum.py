"""ThresholdCurriculum: the windowed-mean rule the DNI, SAM and graph experiments share."""
import numpy as np
import pytest

from tinyaug.training.curriculum import ThresholdCurriculum


def test_rises_once_a_full_window_is_below_then_starts_a_new_window():
    curriculum = ThresholdCurriculum(1, window=3, threshold=0.5)
    risen = [curriculum.record(v) for v in (0.1, 0.1, 2.0, 0.1, 0.1, 0.1, 0.1, 0.1)]
    # windows: [.1 .1 2] mean .73 no; [.1 2 .1] no; [2 .1 .1] no; [.1 .1 .1] yes (step 5), then a fresh window
    assert risen == [False, False, False, False, False, True, False, False]
    assert curriculum.level == 2 and curriculum.recent == [0.1, 0.1]


def test_above_rule_and_the_top_level_caps_it():
    curriculum = ThresholdCurriculum(0, window=2, threshold=0.9, rise_when="above", top=1)
    assert [curriculum.record(v) for v in (0.9, 0.95, 1.0, 1.0, 1.0)] == [False, True, False, False, False]
    assert curriculum.level == 1                       # at the top it records but never rises
    assert not ThresholdCurriculum(0, 2, 0.9, rise_when="above").record(0.95)


def test_increment_is_capped_by_top():
    curriculum = ThresholdCurriculum(18, window=1, threshold=1.0, top=20, increment=5)
    assert curriculum.record(0.0) and curriculum.level == 20


def test_state_round_trip_under_the_callers_names():
    curriculum = ThresholdCurriculum(3, window=4, threshold=0.5)
    curriculum.record(0.25)
    curriculum.record(0.75)
    state = curriculum.state("length", "recent")
    assert set(state) == {"length", "recent"} and state["recent"].dtype == np.float64
    restored = ThresholdCurriculum(1, window=4, threshold=0.5)
    restored.load(state, "length", "recent")
    assert (restored.level, restored.recent) == (3, [0.25, 0.75])
    restored.load({}, "length", "recent")               # an older checkpoint without the entries
    assert restored.level == 3


@pytest.mark.parametrize("arguments, message", [
    ({"rise_when": "sideways"}, "rise_when must be 'below' or 'above'"),
    ({"window": 0}, "window and increment must be at least 1"),
    ({"increment": 0}, "window and increment must be at least 1")])
def test_bad_settings_are_clear_errors(arguments, message):
    with pytest.raises(ValueError, match=message):
        ThresholdCurriculum(**{"level": 0, "window": 2, "threshold": 0.5, **arguments})
