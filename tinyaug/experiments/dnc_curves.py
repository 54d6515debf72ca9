"""``python -m tinyaug.experiments.dnc_curves OUT.png LABEL=RUN_DIR ...``: learning curves of
several runs on the same axes (DNC vs NTM vs LSTM on the allocation test), from their
metrics.csv. Its own module because ``python -m tinyaug.experiments.dnc`` would register the
DNC experiments twice (once by the package import, once as ``__main__``)."""
from __future__ import annotations

import sys

from .dnc import comparison_figure


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or any("=" not in item for item in args[1:]):
        print("usage: python -m tinyaug.experiments.dnc_curves OUT.png LABEL=RUN_DIR [LABEL=RUN_DIR ...]")
        return 2
    runs = dict(item.split("=", 1) for item in args[1:])
    print(comparison_figure(args[0], runs, title="memory allocation test"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
