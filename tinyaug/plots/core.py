"""The one pyplot helper: matplotlib on the Agg backend, imported on first use."""
from __future__ import annotations

import os
from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (no display needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(figure: Any, path: str) -> str:
    """Lay out, write ``figure`` to ``path`` (folders made as needed), close it; return the path."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path)
    pyplot().close(figure)
    return path
