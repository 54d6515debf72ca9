"""The exceptions tinyaug raises. Each names the operation and what was wrong with its inputs."""


class TinyaugError(Exception):
    """Base class of every error raised by tinyaug."""


class ShapeError(TinyaugError, ValueError):
    """Operands whose shapes do not fit the operation."""


class DTypeError(TinyaugError, TypeError):
    """An operand of the wrong dtype (e.g. an integer tensor asked to require grad)."""


class BackendError(TinyaugError, TypeError):
    """A missing backend, or operands from different backends in one operation."""


class GraphError(TinyaugError, RuntimeError):
    """Misuse of the graph: backward through a freed graph, a non-scalar without a gradient, ..."""


class AnomalyError(TinyaugError, FloatingPointError):
    """NaN or Inf produced by an operation while ``detect_anomaly()`` is on."""


class GradcheckError(TinyaugError, AssertionError):
    """Analytic and numeric gradients disagree (raised by ``gradcheck``)."""
