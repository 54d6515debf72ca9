"""The sweep tests touch no tensor (the sweep starts its trainings as subprocesses): they run
once, on the first backend. One uninterrupted sweep is shared by the modules that compare
against it."""
import pytest

from tests.conftest import BACKENDS
from tests.sweeps.helpers import run_sweep


@pytest.fixture(autouse=True)
def _one_backend(backend):
    if backend != BACKENDS[0]:
        pytest.skip("the sweep touches no tensor (it trains in subprocesses): one backend is enough")


@pytest.fixture(scope="session")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "plain"
    result = run_sweep(out, "--seeds", "0-1")
    return out, result
