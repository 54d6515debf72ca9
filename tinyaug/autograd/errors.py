"""Re-export of :mod:`tinyaug.errors` (kept outside the engine so backends can import it first)."""
from ..errors import (AnomalyError, BackendError, DTypeError, GradcheckError, GraphError,  # noqa: F401
                      ShapeError, TinyaugError)
