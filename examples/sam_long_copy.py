"""Copy with a trained SAM on a much larger memory and much longer sequences than in training.

SAM's parameters do not depend on the number of memory words N, so a model trained on copy
(lengths 1–20, N = 128) is rebuilt with N words (default 1,048,576) and the trained parameters
(the best-validated ones when the run keeps them),
then scored on fresh copy sequences of fixed lengths (seed 2024). Each length also runs with
the training memory size, to show what the extra words buy: with N = 128 a sequence longer
than ~63 overwrites its own beginning (the least-recently-used word is reused).

    python examples/sam_long_copy.py RUN_DIR [--rows 1048576] [--index hnsw[,exact]]
        [--lengths 20,50,100,200,500,1000] [--sequences 4] [--ntm NTM_RUN] [--json OUT.json]

Prints bits and wrong bits per sequence for each length, the seconds it took and how many
distinct memory words each sequence's writes touched. ``--ntm`` also scores a trained dense
NTM copy run on the same sequences (with its own memory size); ``--json`` writes every row
(appending to the file's rows when it exists), for ``examples/sam_figures.py lengths``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tinyaug.autograd import no_grad, tensor, to_numpy  # noqa: E402
from tinyaug.experiments import discover  # noqa: E402
from tinyaug.experiments.ntm import parse_memory  # noqa: E402
from tinyaug.models.sam import SAM  # noqa: E402
from tinyaug.training.loop import restore_run  # noqa: E402
from tinyaug.experiments.sequence import bits_per_sequence, wrong_bits_per_sequence  # noqa: E402


def build(experiment, rows: int, index: str) -> SAM:
    config = experiment.config
    _, width = parse_memory(config["memory"])
    trained = experiment.model
    model = SAM(trained.input_size, trained.output_size, controller_size=int(config["controller_size"]),
                memory_rows=rows, memory_width=width, read_heads=int(config["read_heads"]),
                write_heads=int(config["write_heads"]), sparsity=int(config["sparsity"]), index=index)
    model.load_state_dict(trained.state_dict())
    model.eval()
    return model


def use_best(experiment, step: int) -> str:
    """Put the run's best-validated parameters (``keep_best``) in its model; say which are used."""
    if not getattr(experiment, "best_parameters", None):
        return f"step {step}'s parameters"
    for parameter, value in zip(experiment.model.parameters(), experiment.best_parameters):
        parameter.data[...] = parameter.backend.from_host(value.astype(parameter.dtype))
    return f"the best-validated parameters (step {experiment.best_step}, {experiment.best_bits:.3f} bits)"


def score(model: SAM, batch) -> tuple[float, float, float, int]:
    start = time.perf_counter()
    with no_grad():
        logits = to_numpy(model(tensor(batch[0].astype(np.float32)))).astype(np.float64)
    seconds = time.perf_counter() - start
    # distinct words in the write logs (writes alternate with reads in ``touched``), per sequence
    written = len(np.unique(np.concatenate(model.cell.memory.episode.touched[1::2]))) // batch[0].shape[1]
    return (bits_per_sequence(logits, batch[1], batch[2]), wrong_bits_per_sequence(logits, batch[1], batch[2]),
            seconds, written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--rows", type=int, default=1 << 20)
    parser.add_argument("--index", default="hnsw", help="index(es) for the large memory, e.g. hnsw,exact")
    parser.add_argument("--lengths", default="20,50,100,200,500,1000")
    parser.add_argument("--sequences", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--test-sequences", type=int, default=1000,
                        help="fresh sequences of the training lengths scored first, with N as trained")
    parser.add_argument("--ntm", default="", help="a dense NTM copy run scored on the same sequences")
    parser.add_argument("--json", default="", help="append the rows to this JSON file")
    parser.add_argument("--label", default="SAM", help="the SAM model's name in the JSON rows")
    parser.add_argument("--skip-trained-rows", action="store_true",
                        help="do not also score each length with the trained N")
    args = parser.parse_args()
    discover()
    experiment, config, step, _ = restore_run(args.run_dir)
    trained_rows, _ = parse_memory(config["memory"])
    which = use_best(experiment, step)
    print(f"{args.run_dir}: {which}, trained with N = {trained_rows}; scoring {args.sequences} "
          f"sequences per length, seed {args.seed}")
    models = {(args.rows, index): build(experiment, args.rows, index) for index in args.index.split(",")}
    if not args.skip_trained_rows or args.test_sequences:
        models[(trained_rows, "exact")] = build(experiment, trained_rows, "exact")
    ntm = None
    if args.ntm:
        ntm, _, ntm_step, _ = restore_run(args.ntm)
        print(f"{args.ntm}: {use_best(ntm, ntm_step)}")
    rows_out = []
    if args.test_sequences:
        data, bits, wrong, done = np.random.default_rng(args.seed), 0.0, 0.0, 0
        while done < args.test_sequences:
            size = min(100, args.test_sequences - done)
            batch = experiment.task_generator.batch(size, data)
            scores = score(models[(trained_rows, "exact")], batch)
            bits, wrong, done = bits + scores[0] * size, wrong + scores[1] * size, done + size
        print(f"{done} fresh sequences of the training lengths, N = {trained_rows}: {bits / done:.4f} bits, "
              f"{wrong / done:.4f} wrong bits per sequence")
    print(f"{'length':>6s} {'N':>8s} {'index':>6s} {'bits/seq':>9s} {'wrong bits/seq':>15s} {'of bits':>8s} "
          f"{'seconds':>8s} {'words written':>13s}")
    for length in (int(x) for x in args.lengths.split(",")):
        data = np.random.default_rng([args.seed, length])
        batch = experiment.task_generator.batch(args.sequences, data, length=length)
        for (rows, index), model in models.items():
            if args.skip_trained_rows and rows == trained_rows and rows != args.rows:
                continue
            bits, wrong, seconds, written = score(model, batch)
            print(f"{length:6d} {rows:8d} {index:>6s} {bits:9.3f} {wrong:15.3f} {length * batch[1].shape[2]:8d} "
                  f"{seconds:8.1f} {written:13d}", flush=True)
            rows_out.append({"model": args.label, "run": args.run_dir, "rows": rows, "index": index,
                             "length": length, "bits": bits, "wrong": wrong, "sequences": args.sequences,
                             "bits_per_vector": int(batch[1].shape[2]), "seconds": seconds,
                             "trained_lengths": [int(experiment.task_generator.min_length),
                                                 int(experiment.task_generator.max_length)]})
        if ntm is not None:
            start = time.perf_counter()
            logits = ntm.predict(batch)
            bits, wrong = bits_per_sequence(logits, batch[1], batch[2]), wrong_bits_per_sequence(logits, batch[1], batch[2])
            ntm_rows, _ = parse_memory(ntm.config["memory"])
            print(f"{length:6d} {ntm_rows:8d} {'NTM':>6s} {bits:9.3f} {wrong:15.3f} {length * batch[1].shape[2]:8d} "
                  f"{time.perf_counter() - start:8.1f} {'-':>13s}", flush=True)
            rows_out.append({"model": "NTM (dense)", "run": args.ntm, "rows": ntm_rows, "index": "dense",
                             "length": length, "bits": bits, "wrong": wrong, "sequences": args.sequences,
                             "bits_per_vector": int(batch[1].shape[2]),
                             "seconds": time.perf_counter() - start,
                             "trained_lengths": [int(ntm.task_generator.min_length),
                                                 int(ntm.task_generator.max_length)]})
    if args.json:
        previous = []
        if os.path.exists(args.json):
            with open(args.json) as handle:
                previous = json.load(handle)["rows"]
        with open(args.json, "w") as handle:
            json.dump({"rows": previous + rows_out}, handle, indent=1)
        print(f"wrote {len(rows_out)} rows to {args.json}")


if __name__ == "__main__":
    main()
