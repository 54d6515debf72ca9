"""A trained DNC copy run scored at fixed lengths with other memory sizes (the DNC has no
parameter tied to the number of rows N, so the trained weights run with any N):

    python examples/dnc_lengths.py RUN_DIR [--rows 32,128] [--lengths 20,40,120]
        [--sequences 1024] [--seed 2024]

Prints a Markdown table: bits and wrong bits per sequence on fresh sequences of each length
for each memory size, and how many sequences have a wrong bit
(``tinyaug.experiments.dnc_lengths``).
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from a checkout

import tinyaug.experiments  # noqa: E402,F401  (registers the experiments)
from tinyaug.experiments.dnc_lengths import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
