"""BLAS threads chosen by product size, for NumPy on the CPU.

A recurrent step multiplies small matrices (W1: (32, 128) @ (128, 512), 4 MFLOP) many times in
a row. Handing each such product to two OpenBLAS threads costs more than it saves: the second
thread must be woken for microseconds of work, then spins while NumPy does the elementwise work
between products, and if another process holds that core the main thread waits for it. So the
fused recurrent ops run their loops with one BLAS thread when the per-step product is small
(``SMALL_PRODUCT_FLOPS``), the engine's ``matmul`` does the same for each small product
(``matmul`` below), and large products keep the user's setting. With one thread configured
(``OMP_NUM_THREADS=1``) none of this does anything.

The thread count is read and set through threadpoolctl's controller for the BLAS libraries
that NumPy loaded (a direct C call, well under a microsecond). Whether BLAS runs more than one
thread is read once, when tinyaug is imported. Without threadpoolctl, or on CuPy, these are
no-ops.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

#: Products of fewer floating-point operations than this run on one BLAS thread inside the
#: fused recurrent ops. Measured on the 2-core development machine (benchmarks/NOTES.md):
#: at 4–8 MFLOP a second OpenBLAS thread saved at best 45% on an idle machine and cost
#: 1.1–300× when the other core was busy; from ~1e8 FLOP it pays more reliably.
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


@contextmanager
def one_thread_if_small(product_flops: float, xp: Any) -> Iterator[None]:
    """Run the block with one BLAS thread if ``product_flops`` (of the block's typical matrix
    product) is below ``SMALL_PRODUCT_FLOPS`` and ``xp`` is NumPy; restore the count after."""
    if product_flops >= SMALL_PRODUCT_FLOPS or getattr(xp, "__name__", "") != "numpy":
        yield
        return
    changed = _one_thread_controllers()
    try:
        yield
    finally:
        for controller, threads in changed:
            controller.set_num_threads(threads)


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
