"""BLAS threads chosen by product size, for the engine's ``matmul`` on NumPy.

Composite models multiply small matrices (an LSTM step: (32, 128) @ (128, 512), 4 MFLOP) many
times in a row, each as its own op. Handing each such product to two OpenBLAS threads cost
more than it saved in benchmarks/NOTES.md: the second thread is woken for microseconds of
work and then spins while NumPy does the elementwise work between products. So ``matmul``
runs products below ``SMALL_PRODUCT_FLOPS`` on one thread when BLAS has more, and leaves
large products to the user's setting. With one thread configured (``OMP_NUM_THREADS=1``) it
does nothing. (The fused LSTM keeps the user's setting: measured in one process on an idle
machine, its W1 step was faster with two threads than with this policy.)

The thread count is read and set through threadpoolctl's controller for the BLAS libraries
that NumPy loaded (a direct C call, well under a microsecond). Whether BLAS runs more than one
thread is read once, when tinyaug is imported. Without threadpoolctl, or on CuPy, ``matmul``
is plain ``a @ b``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

#: Products of fewer floating-point operations than this run on one BLAS thread in ``matmul``.
#: On the 2-core development machine a lone (32, 128) @ (128, 512) product (4 MFLOP) took
#: 0.57× the time on two threads when the other core was idle, and 1.1–300× when it was busy.
SMALL_PRODUCT_FLOPS = 5e7

_blas_controllers: list | None = None


def _controllers() -> list:
    global _blas_controllers
    if _blas_controllers is None:
        try:
            from threadpoolctl import ThreadpoolController
            _blas_controllers = [c for c in ThreadpoolController().lib_controllers
                                 if c.user_api == "blas"]
        except Exception:  # noqa: BLE001 - threadpoolctl missing or unable to inspect: no-op
            _blas_controllers = []
    return _blas_controllers


def _one_thread_controllers() -> list:
    """Set every multi-threaded BLAS pool to one thread; return [(controller, old count)]."""
    changed = []
    for controller in _controllers():
        threads = controller.get_num_threads()
        if threads is not None and threads > 1:
            controller.set_num_threads(1)
            changed.append((controller, threads))
    return changed


def _detect_multi_threaded() -> bool:
    return any((controller.get_num_threads() or 1) > 1 for controller in _controllers())


#: Whether NumPy's BLAS ran more than one thread when tinyaug was imported.
MULTI_THREADED = _detect_multi_threaded()


def matmul(a: Any, b: Any) -> Any:
    """``a @ b``; for NumPy arrays whose product is below ``SMALL_PRODUCT_FLOPS`` while BLAS
    runs several threads, on one thread. Anything else (CuPy arrays, tensors) is plain ``a @ b``."""
    if (MULTI_THREADED and type(a) is np.ndarray
            and 2 * a.size * (b.shape[-1] if b.ndim > 1 else 1) < SMALL_PRODUCT_FLOPS):
        changed = _one_thread_controllers()
        try:
            return a @ b
        finally:
            for controller, threads in changed:
                controller.set_num_threads(threads)
    return a @ b
