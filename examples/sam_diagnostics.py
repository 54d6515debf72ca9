"""Diagnostics of trained SAM runs (docs/sections/sam.md says what they showed):

    python examples/sam_diagnostics.py trace RUN [--length 30 | --items 6]     # one sequence, step by step
    python examples/sam_diagnostics.py positions RUN --length 100             # copy: where the output goes wrong
    python examples/sam_diagnostics.py index RUN                              # exact against HNSW reads, forward only
    python examples/sam_diagnostics.py reads RUN [--initial] [--hnsw drift=0.01 --hnsw ties=usage]

``trace``: for each time step the rows read (and their weights) and the rows written [the
previous read rows | the least-recently-used word] with their weights. ``positions``: copy
sequences of one length on N = 4,096 words (exact index, nothing overwritten), per block of
10 output positions: wrong bits, the largest read weight and how often the most-weighted word
read is the word that position's input was written to. ``index``: the same model and 100
fresh sequences (seed 2024) with each index: bits per sequence, distinct words read, LRU
writes onto already written words. ``reads``: forward passes with the HNSW index (settings
``--hnsw name=value``) on 12 training-size batches (8 sequences, fixed seeds); at every read, the
K rows it ends with against the exact top-K of the same memory at that moment: how many reads
broke ties another way (other rows, the same scores) and how many ended on lower-scoring words.
All use the run's best-validated parameters (``reads --initial``: the run's freshly initialised
model instead).
"""
from __future__ import annotations

import argparse
import ast
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sam_long_copy import build, use_best  # noqa: E402
from tinyaug.experiments import discover  # noqa: E402
from tinyaug.models.sam import SAM  # noqa: E402
from tinyaug.models.sam.index import HNSWIndex  # noqa: E402
from tinyaug.experiments.ntm import parse_memory  # noqa: E402
from tinyaug.experiments.sequence import bits_per_sequence  # noqa: E402
from tinyaug.training.loop import build_experiment, default_config, read_config, restore_run  # noqa: E402

THRESHOLD = 0.005   # δ, a weight that counts as an access


def trace(experiment, rows: int, length: int | None, items: int | None) -> None:
    options = {"length": length} if experiment.task != "associative-recall" else {"items": items}
    options = {k: v for k, v in options.items() if v is not None}
    x, y, m = experiment.task_generator.batch(1, np.random.default_rng(7), **options)
    model = build(experiment, rows, "exact")
    logits, steps = model.run_traced(x.astype(np.float32))
    for t in range(x.shape[0]):
        wrong = int(((logits[t, 0] > 0) != (y[t, 0] > 0.5)).sum()) if m[t, 0] else ""
        print(t, "input", x[t, 0].astype(int), "read", steps["read_rows"][t, 0, 0],
              np.round(steps["read_weights"][t, 0, 0], 2), "write", steps["write_rows"][t, 0],
              np.round(steps["write_weights"][t, 0, 0], 2), "wrong bits", wrong)


def positions(experiment, length: int, sequences: int = 20) -> None:
    model = build(experiment, 4096, "exact")
    x, y, m = experiment.task_generator.batch(sequences, np.random.default_rng([2024, length]), length=length)
    logits, steps = model.run_traced(x.astype(np.float32))
    written = steps["write_rows"][:length, :, -1]                 # (L, B): each input's LRU word
    out = slice(length + 1, 2 * length + 1)
    read_rows, weights = steps["read_rows"][out, :, 0, :], steps["read_weights"][out, :, 0, :]
    strongest = np.take_along_axis(read_rows, weights.argmax(-1)[..., None], axis=-1)[..., 0]
    own = strongest == written
    wrong = ((logits[out] > 0) != (y[out] > 0.5)).sum(-1)
    for start in range(0, length, 10):
        block = slice(start, min(length, start + 10))
        print(f"positions {start + 1:4d}-{block.stop:4d}: wrong bits per position {wrong[block].mean():5.2f}, "
              f"largest read weight {weights[block].max(-1).mean():.2f}, "
              f"reads its own word {own[block].mean():.2f}")


def index(experiment, rows: int) -> None:
    x, y, m = experiment.task_generator.batch(100, np.random.default_rng(2024))
    for name in ("exact", "hnsw"):
        logits, steps = build(experiment, rows, name).run_traced(x.astype(np.float32))
        lru, gate = steps["write_rows"][:, :, -1], steps["write_weights"][:, :, 0, -1]
        batch = lru.shape[1]
        distinct = np.mean([len(np.unique(steps["read_rows"][:, b])) for b in range(batch)])
        reused = 0
        for b in range(batch):
            seen: set[int] = set()
            for t in range(lru.shape[0]):
                reused += int(lru[t, b] in seen)
                if gate[t, b] > THRESHOLD:
                    seen.add(int(lru[t, b]))
        print(f"{name}: {bits_per_sequence(logits.astype(np.float64), y, m):.4f} bits per sequence, "
              f"{distinct:.1f} distinct words read per sequence, "
              f"{reused / batch:.2f} LRU writes per sequence onto an already written word")


class _CheckedHNSW(HNSWIndex):
    """The HNSW index, comparing each read's final K rows with the exact top-K of the memory."""

    def __init__(self, counts: dict, **options) -> None:
        super().__init__(**options)
        self.counts = counts

    def candidates(self, keys, k: int):
        rows, exact = super().candidates(keys, k)
        memory, host = self.memory, self.memory.backend.to_host
        words, norms, queries = host(memory.words), host(memory.row_norms), host(keys)
        similarity = np.einsum("bnw,brw->brn", words, queries) / (
            np.linalg.norm(queries, axis=-1)[..., None] * norms[:, None, :] + memory.cosine_eps)
        for b, head in np.ndindex(*rows.shape[:2]):
            scores, candidates = similarity[b, head], rows[b, head]
            chosen = candidates[np.argsort(-scores[candidates], kind="stable")[:k]]   # as SparseRead
            best = np.argsort(-scores, kind="stable")[:k]                            # exact top-K
            self.counts["reads"] += 1
            if not np.allclose(np.sort(scores[chosen]), np.sort(scores[best]), rtol=0, atol=1e-6):
                self.counts["lower-scoring words"] += 1
            elif set(chosen.tolist()) != set(best.tolist()):
                self.counts["ties broken another way"] += 1
        return rows, exact


def reads(experiment, rows: int, options: dict, batches: int = 12) -> None:
    config = experiment.config
    _, width = parse_memory(config["memory"])
    counts = {"reads": 0, "ties broken another way": 0, "lower-scoring words": 0}
    trained = experiment.model
    model = SAM(trained.input_size, trained.output_size, controller_size=int(config["controller_size"]),
                memory_rows=rows, memory_width=width, read_heads=int(config["read_heads"]),
                write_heads=int(config["write_heads"]), sparsity=int(config["sparsity"]),
                index=_CheckedHNSW(counts, **options))
    model.load_state_dict(trained.state_dict())
    for number in range(batches):
        x, _, _ = experiment.task_generator.batch(8, np.random.default_rng([7, number]))
        model.run_traced(x.astype(np.float32))
    print(f"HNSW {options or 'defaults'}: " + ", ".join(f"{name} {value}" for name, value in counts.items()))


def _setting(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("trace", "positions", "index", "reads"))
    parser.add_argument("run_dir")
    parser.add_argument("--length", type=int, default=None, help="copy: sequence length")
    parser.add_argument("--items", type=int, default=None, help="associative recall: number of items")
    parser.add_argument("--initial", action="store_true", help="reads: the run's model as initialised")
    parser.add_argument("--hnsw", action="append", default=[], metavar="NAME=VALUE",
                        help="reads: an HNSWIndex setting (drift, ties, ef, links, ef_construction)")
    args = parser.parse_args()
    discover()
    if args.initial:
        task, model_name, config = read_config(args.run_dir)
        known = default_config(task, model_name)
        experiment, config = build_experiment(task, model_name, {k: v for k, v in config.items() if k in known})
        print(f"{args.run_dir}: the parameters as initialised (seed {config['seed']})")
    else:
        experiment, config, step, _ = restore_run(args.run_dir)
        print(f"{args.run_dir}: {use_best(experiment, step)}")
    rows, _ = parse_memory(config["memory"])
    if args.what == "trace":
        trace(experiment, rows, args.length, args.items)
    elif args.what == "positions":
        positions(experiment, args.length or 100)
    elif args.what == "reads":
        reads(experiment, rows, dict(_setting(text) for text in args.hnsw))
    else:
        index(experiment, rows)


if __name__ == "__main__":
    main()
