"""Peer implementations of the benchmark workloads (PyTorch, HIPS autograd, DeZero).

Each builder takes ``(problem, context)`` and returns a zero-argument ``step() -> loss`` that
runs one full training step. A builder raises ``PeerMissing`` when its package is not
installed; the suite then prints the message and skips the column.
"""


class PeerMissing(Exception):
    """The peer's package is not importable (or cannot run here); the message says why."""


def require(module: str, install: str):
    """Import ``module`` or raise ``PeerMissing`` naming the pip command."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise PeerMissing(f"{module} is not installed ({install}): {error}") from None
