"""``python -m benchmarks``: run the suite (same options as ``python benchmarks/run.py``)."""
from benchmarks.run import main

main()
