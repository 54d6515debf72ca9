"""``python -m tinyaug.tasks.babi DIR [--train N] [--test N] [--seed S] [--tasks 1,2,...]``:
write the generated bAbI-style tasks into DIR in the bAbI text format."""
from __future__ import annotations

import argparse

from .task import write_generated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinyaug.tasks.babi", description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--train", type=int, default=10000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tasks", default="", help="comma-separated task ids (default all)")
    args = parser.parse_args(argv)
    ids = [int(t) for t in args.tasks.split(",")] if args.tasks else None
    for path in write_generated(args.folder, ids, args.train, args.test, args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
