"""The sweep's one error: a bad sweep command or folder, with a message that says which part."""
from ..errors import TinyaugError


class SweepError(TinyaugError, ValueError):
    """A sweep that cannot run as asked: bad seeds or settings, a folder holding another sweep,
    an executor that is not installed."""
