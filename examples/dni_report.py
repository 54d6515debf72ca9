"""Figures of finished DNI runs: the character LM's learning curves (held-out bits per
character against updates, with and without DNI at the same T) and the synthesizer's cosine
similarity with the true gradient over training (every DNI run found).

    python examples/dni_report.py --runs runs/dni --out docs/figures
"""
from __future__ import annotations

import argparse
import glob
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tinyaug.plots.dni import LABELS, curves_figure, read_metrics  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", default="runs/dni")
    parser.add_argument("--out", default="docs/figures")
    args = parser.parse_args(argv)
    lm = {}
    for path in sorted(glob.glob(os.path.join(args.runs, "chars-*", "metrics.csv"))):
        name = os.path.basename(os.path.dirname(path))          # chars-<model>-T<w>-s<seed>
        model, window = name.split("-T")[0][len("chars-"):], name.split("-T")[1].split("-")[0]
        m = read_metrics(path)
        lm[f"{LABELS.get(model, model)}, T = {window}"] = (m["step"], m["eval_bits_per_char"])
        print(f"{name}: held-out bits per char by step",
              [(int(s), round(float(v), 3)) for s, v in zip(m["step"], m["eval_bits_per_char"]) if v == v])
    if lm:
        print(curves_figure(lm, os.path.join(args.out, "dni_chars_bpc.png"), "held-out bits per character",
                            title="character LM (fortunes), LSTM 128", xlabel="updates (windows)"))
    cosines = {}
    for path in sorted(glob.glob(os.path.join(args.runs, "sweep", "*dni*-s0", "metrics.csv"))
                       + sorted(glob.glob(os.path.join(args.runs, "chars-*dni*", "metrics.csv")))):
        name = os.path.basename(os.path.dirname(path))
        m = read_metrics(path)
        if "eval_true_gradient_cosine" in m:
            cosines[name] = (m["step"], m["eval_true_gradient_cosine"])
    if cosines:
        print(curves_figure(cosines, os.path.join(args.out, "dni_cosine.png"),
                            "cosine(M(s), true gradient)",
                            title="synthetic vs true (full BPTT) gradient at window ends"))


if __name__ == "__main__":
    main()
