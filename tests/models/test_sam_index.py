"""SAM's two neighbour indexes choose the same K rows (docs/sections/sam.md, "Exact against
approximate (HNSW) index"): ties broken by the lowest row number in both (all-zero words,
duplicated words), the HNSW graph kept up to date with every changed row, and the old
usage-order rule still available as ``ties="usage"``."""
import numpy as np
import pytest

import tinyaug as ta
from tinyaug.errors import ShapeError
from tinyaug.models.sam import SAM, SparseMemory, approximate_index_available, sparse_read, sparse_write
from tinyaug.models.sam.index import HNSWIndex, top_k

needs_hnsw = pytest.mark.skipif(not approximate_index_available(), reason="hnswlib (the ann extra) is not installed")


@pytest.mark.parametrize("k", [4, 12])
def test_top_k_breaks_ties_by_the_lowest_index(rng, k):
    """Both code paths (k passes of argmax; partition for k > 8) on scores with many ties."""
    scores = rng.integers(-2, 3, (3, 2, 40)).astype(np.float64)     # five values: ties everywhere
    scores[0, 0] = 0.0                                               # one line all tied
    expected = np.argsort(-scores, axis=-1, kind="stable")[..., :k]
    xp = ta.tensor(scores).xp
    found = ta.to_numpy(ta.Tensor(top_k(ta.tensor(scores).data, k, xp)))
    np.testing.assert_array_equal(np.sort(found, axis=-1), np.sort(expected, axis=-1))


def _memory_with_ties(index: str, k: int, rng_seed: int = 3):
    """A 60-word memory built by writes: words 2, 9, 10 and 30 hold one vector (duplicates),
    words 5 and 17 others, word 40 is written and then erased back to zero; the rest is zero.
    Returns (memory, token, the key rows): keys that match the duplicated word, keys with fewer
    than k words of positive similarity (zero words fill the read), and random keys."""
    rng = np.random.default_rng(rng_seed)
    width = 5
    memory = SparseMemory(60, width, index=index)
    like = ta.tensor(np.zeros((1, 1, width)))
    token = memory.start(1, like)
    shared, other = rng.standard_normal(width), rng.standard_normal((2, width))
    writes = [([2, 9, 10, 30], shared), ([5], other[0]), ([17], other[1]), ([40], other[0])]
    for rows, vector in writes:
        weights = np.ones((1, 1, len(rows)))
        token = sparse_write(token, ta.tensor(weights), ta.tensor(vector[None, None]), memory,
                             np.array([rows]), np.array([[rows[0]]]))
    token = sparse_write(token, ta.tensor(np.zeros((1, 1, 1))), ta.tensor(np.zeros((1, 1, width))), memory,
                         np.array([[40]]), np.array([[40]]))                # erase word 40: zero again
    keys = np.stack([shared, -shared, -other[0], *rng.standard_normal((5, width))])
    return memory, token, keys[None]


@needs_hnsw
@pytest.mark.parametrize("k", [3, 4, 10])
def test_exact_and_hnsw_read_the_same_rows_among_zero_and_duplicated_words(k):
    chosen = {}
    for index in ("exact", "hnsw"):
        memory, token, keys = _memory_with_ties(index, k)
        _, _, _, rows = sparse_read(token, ta.tensor(keys), ta.tensor(np.ones(keys.shape[:2])), memory, k)
        chosen[index] = [set(r) for r in rows[0].tolist()]
    assert chosen["exact"] == chosen["hnsw"]
    # the ties the test is about were in play: the four duplicated words (the lowest three when
    # only three fit), and zero words, lowest first, for a key that matches few words
    duplicated = {2, 9, 10} if k == 3 else {2, 9, 10, 30}
    assert chosen["exact"][0] >= duplicated
    assert 0 in chosen["exact"][1]


@needs_hnsw
def test_hnsw_offers_zero_words_by_row_number_or_by_usage():
    """After a read of the four lowest zero words (now accessed), ``ties="row"`` reads them again
    (what the exact index does); ``ties="usage"`` (the old rule) takes never-accessed words."""
    reads = {}
    for ties in ("row", "usage"):
        memory = SparseMemory(30, 3, index=HNSWIndex(ties=ties))
        keys = ta.tensor(np.ones((1, 1, 3)))
        token = memory.start(1, keys)
        _, _, token, first = sparse_read(token, keys, ta.tensor(np.ones((1, 1))), memory, 4)
        _, _, _, second = sparse_read(token, keys, ta.tensor(np.ones((1, 1))), memory, 4)
        reads[ties] = (set(first[0, 0]), set(second[0, 0]))
    assert reads["row"] == ({0, 1, 2, 3}, {0, 1, 2, 3})
    assert reads["usage"] == ({0, 1, 2, 3}, {4, 5, 6, 7})


@needs_hnsw
def test_hnsw_graph_holds_every_changed_row_with_its_current_value(rng):
    """Rows changed by small weights (below δ) and rows rewritten hundreds of times (which
    rebuilds the graph from its live rows) are in the graph with their current direction, and
    exactly the non-zero rows are in it."""
    memory = SparseMemory(200, 4, index="hnsw")
    token = memory.start(2, ta.tensor(np.zeros((2, 1, 4))))
    for step in range(250):
        rows = np.stack([rng.choice(12, 3, replace=False) for _ in range(2)])
        weights = np.full((2, 1, 3), 1e-3 if step % 2 else 0.5)         # every other step below δ
        erase = np.array([[step % 14], [(3 * step) % 14]])           # now in the adds, now not
        token = sparse_write(token, ta.tensor(weights), ta.tensor(rng.standard_normal((2, 1, 4))), memory,
                             rows, erase)
    index = memory.index
    words = ta.to_numpy(ta.Tensor(memory.words))
    for b in range(2):
        non_zero = set(np.flatnonzero(np.abs(words[b]).sum(axis=-1) > 0).tolist())
        assert index.labels[b] == non_zero
        assert set(np.flatnonzero(index.in_graph[b]).tolist()) == non_zero
        rows = sorted(non_zero)
        stored = np.asarray(index.graphs[b].get_items([index.row_label[b][row] for row in rows]))
        current = words[b, rows] / np.linalg.norm(words[b, rows], axis=-1, keepdims=True)
        np.testing.assert_allclose(stored, current, atol=1e-5)
        assert index.label_count[b] <= 3 * max(len(rows), 64)          # compacted, not piled up


@needs_hnsw
def test_sam_reads_the_same_rows_with_either_index(rng):
    """A whole SAM forward pass (untrained, float64, with zero and duplicated words on the way):
    the same rows read at every step and the same logits."""
    inputs = rng.standard_normal((12, 3, 5))
    traces, logits = {}, {}
    for index in ("exact", "hnsw"):
        model = SAM(5, 4, controller_size=16, memory_rows=64, memory_width=6, read_heads=2, sparsity=4,
                    index=index, rng=np.random.default_rng(0), dtype=np.float64)
        logits[index], traces[index] = model.run_traced(inputs)
    np.testing.assert_array_equal(np.sort(traces["exact"]["read_rows"], axis=-1),
                                  np.sort(traces["hnsw"]["read_rows"], axis=-1))
    np.testing.assert_allclose(logits["exact"], logits["hnsw"], rtol=0, atol=1e-10)


@needs_hnsw
def test_hnsw_settings_are_checked():
    with pytest.raises(ShapeError, match="HNSWIndex: ties"):
        HNSWIndex(ties="random")
    with pytest.raises(ShapeError, match="HNSWIndex: drift"):
        HNSWIndex(drift=1.0)


def test_index_options_reach_the_index_and_unknown_ones_are_errors():
    from tinyaug.experiments import discover
    from tinyaug.models.sam import make_index
    from tinyaug.training.loop import build_experiment
    discover()
    with pytest.raises(ShapeError, match=r"SAM index 'exact': unknown option\(s\) drift; known: none"):
        make_index("exact", drift=0.01)
    with pytest.raises(ValueError, match="index_options must be a JSON object"):
        build_experiment("associative-recall", "sam", {"index_options": "drift=0.01"})
    if approximate_index_available():
        with pytest.raises(ShapeError, match=r"unknown option\(s\) speed; known: ef, links"):
            make_index("hnsw", speed=2)
        experiment, _ = build_experiment("associative-recall", "sam", {
            "memory": "24x6", "controller_size": 12, "index": "hnsw",
            "index_options": {"drift": 0.01, "ties": "usage"}})
        index = experiment.model.cell.memory.index
        assert (index.drift, index.ties) == (0.01, "usage")
