"""The GPU backend. CuPy is imported only when this backend is asked for."""
from __future__ import annotations

from ..errors import BackendError
from .base import Backend


class CupyBackend(Backend):
    name = "cupy"

    def __init__(self) -> None:
        try:
            import cupy
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise BackendError(
                "backend 'cupy' requested but CuPy is not installed; install it with "
                "`pip install -e \".[gpu]\"` (needs an NVIDIA GPU and CUDA 12)") from exc
        try:
            cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # pragma: no cover - depends on the machine
            raise BackendError(f"backend 'cupy' requested but no usable GPU was found: {exc}") from exc
        import cupyx

        self.xp = cupy
        self._cupyx = cupyx
        self.array_type = cupy.ndarray

    def to_host(self, array):
        return self.xp.asnumpy(array)

    def scatter_add(self, target, index, values):
        self._cupyx.scatter_add(target, index, values)
