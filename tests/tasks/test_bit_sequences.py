"""The NTM paper's tasks: shapes, layouts, determinism, fixed lengths, the registry."""
import numpy as np
import pytest

from tinyaug.tasks import TASKS, Task, make_task, ngram_optimal_probabilities, register_task


@pytest.mark.parametrize("name", sorted(["copy", "repeat-copy", "associative-recall",
                                         "priority-sort", "dynamic-ngrams"]))
def test_every_task_returns_consistent_float_batches(name):
    task = make_task(name)
    inputs, targets, mask = task.batch(5, np.random.default_rng(0))
    time = inputs.shape[0]
    assert inputs.shape == (time, 5, task.input_size)
    assert targets.shape == (time, 5, task.output_size)
    assert mask.shape == (time, 5)
    assert inputs.dtype == targets.dtype == mask.dtype == np.float64
    assert set(np.unique(mask)) <= {0.0, 1.0} and mask.sum(axis=0).min() > 0
    # targets are zero wherever the loss does not count
    assert not targets[mask == 0].any()
    # seeded: the same generator state gives the same batch
    again = task.batch(5, np.random.default_rng(0))
    for a, b in zip((inputs, targets, mask), again):
        np.testing.assert_array_equal(a, b)


def test_copy_layout():
    task = make_task("copy", min_length=2, max_length=7)
    assert (task.input_size, task.output_size) == (9, 8)
    inputs, targets, mask = task.batch(64, np.random.default_rng(1))
    assert inputs.shape[0] == 2 * mask.sum(axis=0).max() + 1
    for b in range(64):
        delimiter_at = np.flatnonzero(inputs[:, b, 8])
        assert len(delimiter_at) == 1
        length = delimiter_at[0]
        assert 2 <= length <= 7
        np.testing.assert_array_equal(targets[length + 1:2 * length + 1, b], inputs[:length, b, :8])
        np.testing.assert_array_equal(np.flatnonzero(mask[:, b]), np.arange(length + 1, 2 * length + 1))
        assert not inputs[length + 1:, b].any()  # nothing shown while answering


def test_copy_lengths_cover_the_range_and_fixed_length_works():
    task = make_task("copy")
    _, _, mask = task.batch(2000, np.random.default_rng(2))
    lengths = mask.sum(axis=0)
    assert lengths.min() == 1 and lengths.max() == 20
    assert lengths.mean() == pytest.approx(10.5, abs=0.4)
    inputs, targets, mask = task.batch(3, np.random.default_rng(3), length=120)
    assert inputs.shape == (241, 3, 9)
    np.testing.assert_array_equal(mask.sum(axis=0), [120, 120, 120])


def test_repeat_copy_layout():
    task = make_task("repeat-copy")
    assert (task.input_size, task.output_size) == (10, 9)
    inputs, targets, mask = task.batch(32, np.random.default_rng(4))
    for b in range(32):
        marker_at = np.flatnonzero(inputs[:, b, 8])
        assert len(marker_at) == 1
        length = marker_at[0]
        repeats = round(inputs[length, b, 9] * task.repeats_std + task.repeats_mean)
        assert 1 <= length <= 10 and 1 <= repeats <= 10
        answer = targets[length + 1:length + 1 + length * repeats, b, :8]
        np.testing.assert_array_equal(answer, np.tile(inputs[:length, b, :8], (repeats, 1)))
        end = length + 1 + length * repeats
        assert targets[end, b, 8] == 1 and targets[:, b, 8].sum() == 1
        assert mask[:, b].sum() == length * repeats + 1
    fixed = task.batch(2, np.random.default_rng(5), length=3, repeats=12)[2]
    np.testing.assert_array_equal(fixed.sum(axis=0), [37, 37])


def test_repeat_copy_count_channel_has_mean_zero_and_variance_one():
    """Paper §4.2: the repeat-count input is normalised to mean zero, variance one."""
    task = make_task("repeat-copy")
    # U{1..10}: mean 5.5, variance (10² − 1) / 12 = 8.25
    assert task.normalised_repeats(1) == pytest.approx((1 - 5.5) / np.sqrt(8.25))
    assert task.normalised_repeats(10) == pytest.approx(4.5 / np.sqrt(8.25))
    inputs, _, _ = task.batch(4000, np.random.default_rng(9))
    counts = inputs[:, :, 9][inputs[:, :, 8] == 1]  # the count sits beside the delimiter
    assert counts.shape == (4000,)
    assert counts.mean() == pytest.approx(0.0, abs=0.06)
    assert counts.var() == pytest.approx(1.0, abs=0.06)
    assert len(np.unique(counts)) == 10
    assert make_task("repeat-copy", min_repeats=3, max_repeats=3).normalised_repeats(3) == 0.0


def test_associative_recall_target_is_the_item_after_the_query():
    task = make_task("associative-recall")
    assert (task.input_size, task.output_size) == (8, 6)
    inputs, targets, mask = task.batch(32, np.random.default_rng(6))
    for b in range(32):
        item_starts = np.flatnonzero(inputs[:, b, 6])
        count = len(item_starts)
        assert 2 <= count <= 6
        items = [inputs[s + 1:s + 4, b, :6] for s in item_starts]
        query_marks = np.flatnonzero(inputs[:, b, 7])
        assert len(query_marks) == 2 and query_marks[1] - query_marks[0] == 4
        query = inputs[query_marks[0] + 1:query_marks[1], b, :6]
        matches = [i for i in range(count - 1) if np.array_equal(items[i], query)]
        assert matches
        answer = targets[mask[:, b] == 1, b]
        assert any(np.array_equal(answer, items[i + 1]) for i in matches)


def test_priority_sort_targets_are_the_highest_priorities_in_order():
    task = make_task("priority-sort")
    inputs, targets, mask = task.batch(8, np.random.default_rng(7))
    assert inputs.shape == (37, 8, 10) and mask.sum() == 8 * 16
    for b in range(8):
        priorities = inputs[:20, b, 8]
        assert priorities.min() >= -1 and priorities.max() <= 1
        best = np.argsort(-priorities)[:16]
        np.testing.assert_array_equal(targets[21:, b], inputs[best, b, :8])
        assert inputs[20, b, 9] == 1


def test_dynamic_ngrams_and_the_optimal_predictor():
    task = make_task("dynamic-ngrams", length=300)
    inputs, targets, mask = task.batch(64, np.random.default_rng(8))
    assert inputs.shape == (299, 64, 1)
    np.testing.assert_array_equal(inputs[1:], targets[:-1])  # target is the next input
    optimal = ngram_optimal_probabilities(inputs, targets, order=6)
    assert optimal.shape == targets.shape
    eps = 1e-12
    cost = -(targets * np.log2(optimal + eps) + (1 - targets) * np.log2(1 - optimal + eps))
    # Beta(½, ½) tables are far from fair coins: the Bayes predictor beats 1 bit per step
    assert cost[50:].mean() < 0.85
    # the optimal predictor at one step, by hand
    bits = np.concatenate([inputs[:1, 0, 0], targets[:, 0, 0]]).astype(int)
    t = 120
    context = tuple(bits[t - 4:t + 1])
    following = [bits[s + 1] for s in range(4, t) if tuple(bits[s - 4:s + 1]) == context]
    expected = (sum(following) + 0.5) / (len(following) + 1)
    assert optimal[t, 0, 0] == pytest.approx(expected)


def test_registry_errors_and_adding_a_task_is_a_few_lines():
    with pytest.raises(KeyError, match="unknown task 'nope'"):
        make_task("nope")
    with pytest.raises(TypeError, match="no parameter.*colour"):
        make_task("copy", colour=3)
    with pytest.raises(ValueError, match="min_length <= max_length"):
        make_task("copy", min_length=5, max_length=2)

    @register_task
    class Parity(Task):
        name = "test-parity"
        defaults = {"bits": 4}

        def __init__(self, bits=4):
            super().__init__(input_size=1, output_size=1)
            self.bits = bits

        def batch(self, batch_size, rng):
            inputs = rng.integers(0, 2, size=(self.bits, batch_size, 1)).astype(float)
            targets = np.cumsum(inputs, axis=0) % 2
            return inputs, targets, np.ones((self.bits, batch_size))

    try:
        assert TASKS["test-parity"] is Parity
        assert make_task("test-parity", bits=3).batch(2, np.random.default_rng(0))[0].shape == (3, 2, 1)
    finally:
        del TASKS["test-parity"]


class _ScriptedSorter:
    """Stands in for a trained NTM in ``addressing.analyse``: writes input i at row 10 + 2·rank(i) (by
    priority, highest first; or at distinct random rows if ``ordered`` is False) and at output step k
    puts read head 0 on the k-th highest input's row (head 1 elsewhere)."""

    def __init__(self, ordered: bool, rows: int = 64) -> None:
        self.task_generator = make_task("priority-sort")
        self.ordered, self.rows = ordered, rows

    def trace(self, batch):
        inputs = batch[0]
        task = self.task_generator
        n_in, n_out = task.num_inputs, task.num_outputs
        time, size = inputs.shape[:2]
        rank = np.argsort(np.argsort(-inputs[:n_in, :, task.bits], axis=0), axis=0)  # 0 = highest
        scattered = np.random.default_rng(0)
        rows = 10 + 2 * rank if self.ordered else np.stack(
            [scattered.permutation(self.rows)[:n_in] for _ in range(size)], axis=1)  # distinct rows
        write = np.zeros((time, size, 1, self.rows))
        read = np.zeros((time, size, 2, self.rows))
        read[..., 1, 0] = 1.0
        columns = np.arange(size)
        for t in range(n_in):
            write[t, columns, 0, rows[t]] = 1.0
        for k in range(n_out):
            kth = np.argmax(rank == k, axis=0)          # which input is the k-th highest
            read[n_in + 1 + k, columns, 0, rows[kth, columns]] = 1.0
        return None, {"write_weights": write, "read_weights": read}


def test_addressing_analysis_recognises_writing_by_priority_and_reading_in_order():
    from tinyaug.experiments import addressing as script
    ordered = script.analyse(_ScriptedSorter(ordered=True), sequences=20, seed=1)
    # rows grow with rank, i.e. fall with priority: a perfect (negative) rank correlation
    np.testing.assert_allclose(ordered["correlations"], -1.0)
    assert ordered["addressed"].all() and np.all(ordered["distances"] < 1e-6)
    np.testing.assert_allclose(ordered["gaps"], 2.0, atol=1e-6)
    scattered = script.analyse(_ScriptedSorter(ordered=False), sequences=20, seed=1)
    assert abs(scattered["correlations"].mean()) < 0.3
    assert scattered["addressed"].all()  # head 0 still reads each target's own row
    # the circular mean and ring distance wrap around the ring
    weights = np.zeros(8)
    weights[[7, 1]] = 0.5
    assert script.ring_distance(script.circular_mean_row(weights), np.array(0.0), 8) < 1e-9
    assert script.ring_distance(np.array(7.0), np.array(1.0), 8) == 2.0
