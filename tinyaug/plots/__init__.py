"""Figures: one home for every plot the project draws.

Figure functions take arrays, traces (dicts of arrays that models return) and metrics columns
(``tinyaug.training.metrics.read_metrics``), and write PNGs. They know no experiment, task or
model class: the ``experiments`` package gathers the arrays and calls them. matplotlib is
imported lazily through ``core.pyplot()`` (Agg backend), so importing ``tinyaug`` never pulls
in matplotlib.

    core       pyplot(), save_figure()
    curves     learning_curve (one run), compare_curves (several runs on one axis)
    sequences  a sequence's inputs, targets and outputs
    ntm        generalisation, memory use, learning curves beside a test sequence
    act        ponder steps, τ sweeps, error and ponder against difficulty, halting histogram
    attention  alignments, a caption's attention over its image
    programmer the Neural Programmer's selections per step
"""
from .core import pyplot, save_figure

__all__ = ["pyplot", "save_figure"]
