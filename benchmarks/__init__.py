"""The tinyaug benchmark suite: ``python -m benchmarks`` (see ``benchmarks/run.py``).

``workloads/`` defines the training steps (problem, FLOP count, the tinyaug and NumPy-by-hand
implementations); ``peers/`` holds the same steps written for PyTorch, HIPS autograd and DeZero.
Peers are optional: a missing package skips its column with a message.
"""
