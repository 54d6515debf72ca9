"""Nearest-neighbour indexes over the memory words, for SAM's sparse reads (Rae, Hunt et al.
2016, §3.5). An index proposes candidate rows for each read key; ``SparseMemory`` scores the
candidates exactly (cosine similarity) and keeps the K best, so an approximate index can only
make a read miss a better word, never read a wrong value.

Both indexes answer the same question: the K rows of largest cosine similarity, **ties broken
by the lowest row number** (a stable top-K). Ties are common: every never-written word is all
zero and has similarity exactly 0 to every key, so a read that finds fewer than K words of
positive similarity fills its other slots with zero words, and which ones it takes decides which
rows the usage tracker marks as accessed (hence the next least-recently-used write) and which
rows the next write's γ path writes into. The rule is a function of the memory's contents and
the key only (not of the usage state), the order any stable sort gives, and what the exact
index always did; the approximate index follows it, so that the two give the same reads.

* ``ExactIndex`` (default): cosine similarity of each key with all N rows (one batched product,
  with row norms kept up to date on writes) and a stable top-K: exact, O(N·W) per key, on any
  backend (NumPy, CuPy, the stand-in). No state besides the memory.
* ``HNSWIndex`` (optional extra ``ann``: ``pip install -e ".[ann]"``, hnswlib): one
  hierarchical navigable small-world graph per sequence of the batch, holding exactly the words
  that are not all zero; the all-zero words (similarity 0) are offered as candidates in row
  order, lowest first (``ties="row"``, the rule above). Updated incrementally after each write,
  for the rows whose value changed (``drift``: by default every change is re-indexed; a stale
  vector in the graph makes reads miss better words, see docs/sections/sam.md); queries cost
  O(log n). Emptied (not rebuilt from memory) when a new sequence starts, since memory starts
  at zero.

Interface (``NeighbourIndex``): ``reset(memory)``, ``rows_written(batch_index, rows,
significant, changed)``, ``candidates(keys, k) -> (rows (B, R, C) host int64 or backend array, exact)``.
"""
from __future__ import annotations

import inspect
import itertools

import numpy as np

from ...errors import ShapeError


class NeighbourIndex:
    """Base class; see the module docstring."""

    name = "base"

    def reset(self, memory) -> None:
        """A new sequence starts on ``memory`` (a ``SparseMemory``)."""

    def rows_written(self, batch_index: np.ndarray, rows: np.ndarray, significant: np.ndarray,
                     changed: np.ndarray | None = None) -> None:
        """Rows (host int arrays of equal length) a write addressed; ``significant`` (bool) marks
        those whose write weight was ≥ δ or that were erased, ``changed`` (bool; None: all)
        those whose value changed (a non-zero weight, or erased)."""

    def candidates(self, keys, k: int):
        """keys (B, R, W) on the backend -> (rows (B, R, C ≥ k), exact): ``exact`` True when
        the rows are already the exact top-k (then C = k and no re-ranking is needed)."""
        raise NotImplementedError


class ExactIndex(NeighbourIndex):
    """Exact top-k by cosine similarity over all rows; see the module docstring."""

    name = "exact"

    def reset(self, memory) -> None:
        self.memory = memory

    def candidates(self, keys, k: int):
        memory = self.memory
        xp = memory.xp
        words = memory.words                                                    # (B, N, W)
        if k == memory.rows:
            return xp.broadcast_to(xp.arange(k), keys.shape[:2] + (k,)).copy(), True
        # (M kᵀ)ᵀ: the product with the contiguous memory on the left is the BLAS-friendly one
        dots = xp.swapaxes(words @ xp.swapaxes(keys, 1, 2), 1, 2)              # (B, R, N)
        key_norms = xp.sqrt((keys * keys).sum(axis=-1))[:, :, None]
        similarity = dots / (key_norms * memory.row_norms[:, None, :] + memory.cosine_eps)
        return top_k(similarity, k, xp), True


def top_k(scores, k: int, xp=np):
    """Indices (..., k) of the k largest entries along the last axis, **ties broken by the lowest
    index** (the first k of a stable descending sort, as a set; returned in no particular order;
    ``xp``: the scores' array module; ``scores`` may be overwritten). For k ≤ 8, k passes of
    ``argmax`` (which returns the first maximum), each masking its winner: ~25× faster than
    ``argpartition``'s introselect on (8, 4, 65536) scores here. For k > 8, ``partition`` finds
    the k-th largest value; every larger entry is kept, then the lowest-indexed entries equal to
    it (``argpartition`` alone would break those ties arbitrarily)."""
    if k > 8:
        length = scores.shape[-1]
        kth = -xp.partition(-scores, k - 1, axis=-1)[..., k - 1:k]            # the k-th largest
        larger, tied = scores > kth, scores == kth
        room = k - larger.sum(axis=-1, keepdims=True)
        chosen = larger | (tied & (xp.cumsum(tied, axis=-1) <= room))          # exactly k per line
        return xp.nonzero(chosen.reshape(-1, length))[1].reshape(scores.shape[:-1] + (k,))
    flat = scores.reshape(-1, scores.shape[-1])
    lines = xp.arange(flat.shape[0])
    chosen = []
    for _ in range(k):
        best = flat.argmax(axis=-1)
        chosen.append(best)
        flat[lines, best] = -xp.inf
    return xp.stack(chosen, axis=-1).reshape(scores.shape[:-1] + (k,))


class HNSWIndex(NeighbourIndex):
    """Approximate top-k with hnswlib; see the module docstring.

    ``ef``: the query's candidate list size (recall vs speed); ``links`` (hnswlib's M) and
    ``ef_construction`` for inserts. ``drift``: a row already in the graph is re-indexed when
    the cosine between its value and the value it was indexed with falls below 1 − drift; 0 (the
    default) re-indexes every row whose value changed. (0.01 made a third of the reads of an
    untrained recall model end on a lower-scoring word than the exact index's, and slowed
    learning: docs/sections/sam.md.) ``ties``: which all-zero words are offered when a read
    needs them: ``"row"`` (default) the lowest-numbered, as the exact index takes them;
    ``"usage"`` the usage tracker's never-accessed words, the rule before this choice, which
    makes the two indexes read different rows (kept to reproduce that comparison)."""

    name = "hnsw"
    TIES = ("row", "usage")

    def __init__(self, ef: int = 32, links: int = 8, ef_construction: int = 32, drift: float = 0.0,
                 ties: str = "row") -> None:
        try:
            import hnswlib
        except ImportError as error:  # the extra is optional
            raise ImportError("SAM's approximate index needs hnswlib: pip install -e \".[ann]\" "
                              "(or use index='exact')") from error
        if ties not in self.TIES:
            raise ShapeError(f"HNSWIndex: ties must be one of {self.TIES}, got {ties!r}")
        if not 0.0 <= drift < 1.0:
            raise ShapeError(f"HNSWIndex: drift must lie in [0, 1), got {drift}")
        self._hnswlib = hnswlib
        self.ef, self.links, self.ef_construction, self.drift, self.ties = ef, links, ef_construction, drift, ties
        self.graphs: list = []
        self.labels: list[set] = []
        self.in_graph: np.ndarray | None = None

    def _new_graph(self, capacity: int):
        graph = self._hnswlib.Index(space="cosine", dim=self.memory.width)
        graph.init_index(max_elements=capacity, ef_construction=self.ef_construction, M=self.links)
        graph.set_ef(self.ef)
        return graph

    def reset(self, memory) -> None:
        self.memory = memory
        shape = (memory.batch, memory.rows)
        if self.in_graph is None or self.in_graph.shape != shape:
            self.in_graph = np.zeros(shape, dtype=bool)       # calloc: pages only where touched
        else:                                                  # clear only the rows set: O(changes)
            for b, labels in enumerate(self.labels):
                self.in_graph[b, list(labels)] = False
        self.graphs = [self._new_graph(256) for _ in range(memory.batch)]
        self.labels = [set() for _ in range(memory.batch)]   # rows in the graph now (= not all zero)
        self.row_label = [{} for _ in range(memory.batch)]   # row -> its live label in the graph
        self.label_row = [np.empty(256, dtype=np.int64) for _ in range(memory.batch)]  # label -> row
        self.label_count = [0] * memory.batch
        self.indexed = [{} for _ in range(memory.batch)]     # row -> value indexed (drift > 0 only)
        self.lowest_zero = [0] * memory.batch                # every row below it is in the graph
        if memory.initial is not None:  # a non-zero initial memory: index its non-zero rows once
            batch_index = np.repeat(np.arange(memory.batch), memory.rows)
            rows = np.tile(np.arange(memory.rows), memory.batch)
            self._insert(batch_index, rows, memory.host_rows(batch_index, rows))

    def _insert(self, batch_index: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
        """Bring the graph up to date with the given rows' current values (each of which changed):
        a row that became all zero leaves it (the cosine space cannot hold a zero vector; it is
        offered as a zero word instead); a new non-zero row is inserted; a row already in the
        graph is re-indexed (with ``drift`` > 0: only once its direction moved by more than that).
        Re-indexing marks the old entry deleted and inserts the new value under a new label
        (hnswlib's in-place update, which repairs the links around the row, was slower and found
        fewer true neighbours here: docs/sections/sam.md); once deleted entries outnumber the
        live ones twice over, the graph is rebuilt from the live rows (``_compact``)."""
        norms = np.sqrt((values * values).sum(axis=-1))
        for b in np.unique(batch_index).tolist():
            mine = batch_index == b
            graph, labels, row_label, indexed = self.graphs[b], self.labels[b], self.row_label[b], self.indexed[b]
            for row in rows[mine & (norms == 0)].tolist():
                if row in labels:
                    graph.mark_deleted(row_label.pop(row))
                    labels.discard(row)
                    indexed.pop(row, None)
                    self.in_graph[b, row] = False
                    self.lowest_zero[b] = min(self.lowest_zero[b], row)
            positions = np.nonzero(mine & (norms > 0))[0]
            if self.drift > 0:
                kept = []
                for position in positions.tolist():
                    row, value = int(rows[position]), values[position]
                    previous = indexed.get(row)
                    if previous is not None and float(previous @ value) > (
                            (1 - self.drift) * norms[position] * float(np.sqrt(previous @ previous))):
                        continue
                    indexed[row] = value
                    kept.append(position)
                positions = np.asarray(kept, dtype=np.int64)
            if positions.size == 0:
                continue
            changed, last = np.unique(rows[positions][::-1], return_index=True)     # the newest value
            positions = positions[::-1][last]
            vectors = (values[positions] / norms[positions, None]).astype(np.float32)
            for row in changed.tolist():
                old = row_label.get(row)
                if old is not None:
                    graph.mark_deleted(old)
            start, count = self.label_count[b], len(changed)
            if start + count > len(self.label_row[b]):
                grown = np.empty(max(2 * len(self.label_row[b]), start + count), dtype=np.int64)
                grown[:start] = self.label_row[b][:start]
                self.label_row[b] = grown
            if start + count > graph.get_max_elements():
                graph.resize_index(max(2 * graph.get_max_elements(), start + count))
            new_labels = np.arange(start, start + count)
            self.label_row[b][new_labels] = changed
            self.label_count[b] = start + count
            row_label.update(zip(changed.tolist(), new_labels.tolist()))
            graph.add_items(vectors, new_labels, num_threads=1)  # threads cost more than they save here
            labels.update(changed.tolist())
            self.in_graph[b, changed] = True
            if self.label_count[b] > 3 * max(len(labels), 64):  # twice as many deleted entries as live
                self._compact(b)

    def _compact(self, b: int) -> None:
        """Rebuild sequence ``b``'s graph from its live rows only (the rows written in this
        sequence, never the whole memory): deleted entries still route every search and insert,
        and left to pile up they made a training step ~3× slower. Amortised O(1) inserts per
        re-indexed row."""
        live = np.fromiter(self.labels[b], dtype=np.int64, count=len(self.labels[b]))
        values = self.memory.host_rows(np.full(live.shape, b), live)
        graph = self._new_graph(max(256, 2 * len(live)))
        if len(live):
            graph.add_items((values / np.sqrt((values * values).sum(axis=-1))[:, None]).astype(np.float32),
                            np.arange(len(live)), num_threads=1)
        self.graphs[b] = graph
        self.label_row[b] = np.empty(max(256, 2 * len(live)), dtype=np.int64)
        self.label_row[b][:len(live)] = live
        self.label_count[b] = len(live)
        self.row_label[b] = dict(zip(live.tolist(), range(len(live))))
        if self.drift > 0:
            self.indexed[b] = dict(zip(live.tolist(), values))

    def rows_written(self, batch_index: np.ndarray, rows: np.ndarray, significant: np.ndarray,
                     changed: np.ndarray | None = None) -> None:
        """Every changed row is brought up to date (not only the ``significant`` ones: a row given
        a weight below δ has still changed, and if it was all zero it is no longer)."""
        if changed is not None:
            batch_index, rows = batch_index[changed], rows[changed]
        if rows.size:
            self._insert(batch_index, rows, self.memory.host_rows(batch_index, rows))

    def zero_rows(self, b: int, count: int) -> list[int]:
        """Up to ``count`` all-zero rows of sequence ``b`` (the rows not in its graph), lowest
        first. O(count + rows written above the first zero row), never O(N)."""
        in_graph, start, found = self.in_graph[b], self.lowest_zero[b], []
        while start < len(in_graph) and in_graph[start]:
            start += 1
        self.lowest_zero[b] = start
        window = 2 * count
        while len(found) < count and start < len(in_graph):
            stop = min(len(in_graph), start + window)
            found += (start + np.flatnonzero(~in_graph[start:stop])).tolist()[:count - len(found)]
            start, window = stop, 2 * window
        return found

    def candidates(self, keys, k: int):
        """Per key: its k nearest words in the graph and k all-zero words, in ascending row order
        (``SparseRead`` re-scores them and keeps the best k, ties to the lowest row)."""
        memory = self.memory
        host_keys = memory.backend.to_host(keys).astype(np.float32)             # (B, R, W)
        batch, heads = host_keys.shape[:2]
        width = min(3 * k, memory.rows)                                          # C candidates per key
        result = np.empty((batch, heads, width), dtype=np.int64)
        for b in range(batch):
            found = len(self.labels[b])
            neighbours = (self.label_row[b][self.graphs[b].knn_query(host_keys[b], k=min(2 * k, found),
                                                                     num_threads=1)[0].astype(np.int64)]
                          if found else np.zeros((heads, 0), dtype=np.int64))
            needed = width - neighbours.shape[1]
            zero_rows = (self.zero_rows(b, needed) if self.ties == "row"
                         else memory.usage.fresh_rows(b, width))                   # similarity 0
            for head in range(heads):
                chosen = list(dict.fromkeys(neighbours[head].tolist() + zero_rows))[:width]
                if len(chosen) < width:            # few zero words left: more of the graph's rows
                    taken = set(chosen)
                    chosen += itertools.islice((row for row in self.labels[b] if row not in taken),
                                               width - len(chosen))
                result[b, head] = sorted(chosen)
        return result, False


INDEXES = {"exact": ExactIndex, "hnsw": HNSWIndex}


def make_index(name: str, **options) -> NeighbourIndex:
    """``"exact"`` (default, no dependency) or ``"hnsw"`` (needs the ``ann`` extra)."""
    if name not in INDEXES:
        raise ShapeError(f"SAM index: unknown index {name!r}; choose one of {sorted(INDEXES)}")
    known = list(inspect.signature(INDEXES[name]).parameters)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ShapeError(f"SAM index {name!r}: unknown option(s) {', '.join(unknown)}; known: "
                         f"{', '.join(known) or 'none'}")
    return INDEXES[name](**options)


def approximate_index_available() -> bool:
    """True when hnswlib (the ``ann`` extra) can be imported."""
    try:
        import hnswlib  # noqa: F401
    except ImportError:
        return False
    return True
