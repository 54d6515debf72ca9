"""Figures and reports: one home for every plot the project draws.

Figure functions take arrays, traces (dicts of arrays that models return) and metrics, and
write PNGs. They know no experiment, task or model class: the ``experiments`` package calls
them with what it has. matplotlib is imported lazily through ``pyplot()`` (Agg backend), so
importing ``tinyaug`` never pulls in matplotlib.
"""
from .core import pyplot, save_figure

__all__ = ["pyplot", "save_figure"]
