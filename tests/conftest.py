"""Every test runs twice: on the NumPy backend and on the CPU stand-in that behaves like CuPy.

``TINYAUG_BACKEND=cupy pytest`` runs the suite once, on CuPy, instead (on a machine with a GPU).
"""
import os

import numpy as np
import pytest

import tinyaug as ta
from tinyaug.nn import init

_ENV = os.environ.get("TINYAUG_BACKEND")
BACKENDS = [_ENV] if _ENV else ["numpy", "standin"]


@pytest.fixture(params=BACKENDS, autouse=True)
def backend(request):
    """The backend of this run of the test; new tensors are created on it. Slow trainings
    (``-m slow``) run on the first backend only: the stand-in adds nothing to a training's
    result but would multiply its minutes."""
    if request.node.get_closest_marker("slow") and request.param != BACKENDS[0]:
        pytest.skip(f"slow trainings run on one backend ({BACKENDS[0]})")
    previous = ta.get_backend().name
    ta.set_backend(request.param)
    init.seed(0)
    np.random.seed(0)
    yield request.param
    ta.set_backend(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
