"""What every backend provides: an array module plus the few operations that differ between them."""
from __future__ import annotations

from typing import Any


class Backend:
    """One array library (NumPy, CuPy, or the CPU stand-in).

    ``xp`` is the array module with NumPy's API; ``array_type`` is the class of its arrays,
    used to tell which backend an array belongs to and to refuse mixing backends in one op.
    """

    name: str = "base"
    xp: Any = None
    array_type: type = object

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        return self.xp.asarray(data, dtype=dtype)

    def to_host(self, array: Any) -> Any:
        """Copy to a host ``numpy.ndarray``."""
        raise NotImplementedError

    def from_host(self, array: Any) -> Any:
        return self.xp.asarray(array)

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        """``target[index] += values`` with repeated indices accumulating (``np.add.at``)."""
        raise NotImplementedError

    def is_array(self, value: Any) -> bool:
        return type(value) is self.array_type

    def seed(self, seed: int) -> None:
        """Seed this backend's global random generator (used by dropout)."""
        self.xp.random.seed(seed)

    def __repr__(self) -> str:
        return f"<backend {self.name}>"
