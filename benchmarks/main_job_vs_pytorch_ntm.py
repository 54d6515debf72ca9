"""The main job against loudinthecloud/pytorch-ntm's copy training, same machine, same batch 1.

    python benchmarks/main_job_vs_pytorch_ntm.py --pytorch-ntm DIR [--python PY] [--seed 0]
                                                 [--sequences 20000] [--out runs/vs-pytorch-ntm]

Both trainings start at once, each on one thread (so each has one of the 2 cores and both see
the same machine phases): tinyaug's ``tinyaug train --task copy --model ntm`` (the README's main
job) and pytorch-ntm's own ``train.py --task copy`` run unmodified from its checkout ``DIR``
(batch size 1, its defaults: LSTM 100, memory 128 × 20, RMSProp 1e-4). pytorch-ntm needs an
``attrs`` older than 19.2 (it uses ``attrib(convert=...)``): pass ``--python`` of a virtual
environment that has it, torch, numpy and argcomplete.

What is compared: sequences and minutes until the cost falls under 0.1 bits per sequence.
For tinyaug, the first evaluation on its 500 fixed validation sequences under 0.1 bits
(``eval_validation_bits_per_sequence`` in metrics.csv, with the run's wall time). For
pytorch-ntm, which has no validation set, the trailing mean over 500 training sequences (each
freshly drawn, so an unbiased estimate) of its BCE converted to bits per sequence
(mean BCE in nats × 8 bits × length / ln 2), from the loss history its checkpoints keep, with
the time from its own "ms/sequence" reports.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_BITS = 0.1
WINDOW = 500


def one_thread_environment() -> dict:
    env = dict(os.environ)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[variable] = "1"
    return env


def tinyaug_result(run_dir: str) -> dict:
    sys.path.insert(0, REPO)
    from tinyaug.training.metrics import read_metrics

    columns = read_metrics(run_dir)
    bits = columns.get("eval_validation_bits_per_sequence")
    if bits is None:
        return {"reached": False, "why": "no validation column in metrics.csv"}
    hits = np.flatnonzero(np.isfinite(bits) & (bits < TARGET_BITS))
    if not hits.size:
        return {"reached": False, "last_bits": float(bits[np.isfinite(bits)][-1])}
    row = hits[0]
    return {"reached": True, "sequences": int(columns["step"][row]),   # batch size 1
            "minutes": float(columns["wall_time"][row]) / 60}


def pytorch_ntm_result(checkpoint_dir: str, log_path: str) -> dict:
    histories = [f for f in os.listdir(checkpoint_dir) if f.endswith(".json")]
    if not histories:
        return {"reached": False, "why": "no checkpoint history written"}
    latest = max(histories, key=lambda f: int(re.search(r"batch-(\d+)", f).group(1)))
    with open(os.path.join(checkpoint_dir, latest)) as file:
        history = json.load(file)
    loss, lengths = np.array(history["loss"]), np.array(history["seq_lengths"])
    bits = loss * 8 * lengths / math.log(2)
    trailing = np.convolve(bits, np.ones(WINDOW) / WINDOW, mode="valid")
    hits = np.flatnonzero(trailing < TARGET_BITS)
    reports = [(int(m.group(1)), int(m.group(2))) for m in
               re.finditer(r"Batch (\d+) Loss: [\d.]+ Cost: [\d.]+ Time: (\d+) ms/sequence",
                           open(log_path).read())]
    if not hits.size:
        return {"reached": False, "last_bits": float(trailing[-1]) if trailing.size else None,
                "sequences_trained": int(bits.size)}
    sequences = int(hits[0] + WINDOW)
    interval = reports[1][0] - reports[0][0] if len(reports) > 1 else 200
    minutes = sum(ms * interval for batch, ms in reports if batch <= sequences) / 60000
    return {"reached": True, "sequences": sequences, "minutes": minutes}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pytorch-ntm", required=True, help="a checkout of loudinthecloud/pytorch-ntm")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs pytorch-ntm")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sequences", type=int, default=20000)
    parser.add_argument("--out", default=os.path.join(REPO, "runs", "vs-pytorch-ntm"))
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    ours_dir = os.path.join(out, f"tinyaug-seed{args.seed}")
    theirs_dir = os.path.join(out, f"pytorch-ntm-seed{args.seed}")
    os.makedirs(theirs_dir, exist_ok=True)
    env = one_thread_environment()
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    ours_log = open(os.path.join(out, f"tinyaug-seed{args.seed}.log"), "w")
    theirs_log_path = os.path.join(out, f"pytorch-ntm-seed{args.seed}.log")
    theirs_log = open(theirs_log_path, "w")
    started = time.time()
    ours = subprocess.Popen([sys.executable, "-m", "tinyaug", "train", "--task", "copy", "--model", "ntm",
                             "--seed", str(args.seed), "--steps", str(args.sequences), "--out", ours_dir,
                             "--progress", "lines"], cwd=REPO, env=env, stdout=ours_log, stderr=subprocess.STDOUT)
    theirs = subprocess.Popen([args.python, "train.py", "--task", "copy", "--seed", str(args.seed),
                               "-pbatch_size=1", f"-pnum_batches={args.sequences}",
                               "--checkpoint-interval", "500", "--checkpoint-path", theirs_dir],
                              cwd=args.pytorch_ntm, env=one_thread_environment(), stdout=theirs_log,
                              stderr=subprocess.STDOUT)
    codes = ours.wait(), theirs.wait()
    print(f"both finished after {(time.time() - started) / 60:.1f} min (exit codes {codes})")
    results = {"tinyaug": tinyaug_result(ours_dir), "pytorch-ntm": pytorch_ntm_result(theirs_dir, theirs_log_path)}
    for name, result in results.items():
        if result.get("reached"):
            print(f"{name:12s} < {TARGET_BITS} bits/sequence after {result['sequences']:,} sequences, "
                  f"{result['minutes']:.1f} min")
        else:
            print(f"{name:12s} did not reach {TARGET_BITS} bits/sequence: {result}")
    if all(r.get("reached") for r in results.values()):
        ratio = results["tinyaug"]["minutes"] / results["pytorch-ntm"]["minutes"]
        print(f"minutes ratio tinyaug / pytorch-ntm: {ratio:.2f} (target <= 0.5)")
    with open(os.path.join(out, f"summary-seed{args.seed}.json"), "w") as file:
        json.dump(results, file, indent=1)


if __name__ == "__main__":
    main()
