"""The sweep on Dask's distributed scheduler, in its local-cluster mode (the optional ``dask``
extra; skipped without it)."""
import os
import subprocess
import sys
import time

import pytest

from tests.sweeps.helpers import comparable, env, run_sweep
from tinyaug.sweeps import runner

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")


def test_the_same_sweep_on_a_local_dask_cluster_gives_the_same_summary(uninterrupted, tmp_path):
    plain, _ = uninterrupted
    out = tmp_path / "dask"
    result = run_sweep(out, "--seeds", "1", "--executor", "dask")  # a part of the plain sweep
    assert "sweep copy/lstm: 2/2 runs done" in result.stderr
    on_dask = [group["runs"] for group in comparable(out)["groups"]]
    plain_seed_1 = [[entry for entry in group["runs"] if entry["seed"] == 1]
                    for group in comparable(plain)["groups"]]
    assert on_dask == plain_seed_1 and len(on_dask) == 2


def test_a_dask_run_gets_one_sigint_and_reports_its_exit_status(tmp_path):
    from tinyaug.sweeps.dask_executor import DaskExecutor
    waits_for_ctrl_c = ("import signal, sys, time\n"
                        "signal.signal(signal.SIGINT, lambda *a: sys.exit(130))\n"
                        "print('ready', flush=True)\n"
                        "time.sleep(60)\n")
    executor = DaskExecutor(1)
    try:
        assert executor.slots == 1
        log = str(tmp_path / "log")
        handle = executor.start([sys.executable, "-c", waits_for_ctrl_c], runner.child_env(), log)
        deadline = time.time() + 60
        while time.time() < deadline and not (os.path.exists(log) and "ready" in open(log).read()):
            time.sleep(0.05)
        assert executor.poll(handle) is None
        executor.interrupt(handle)
        while time.time() < deadline and executor.poll(handle) is None:
            time.sleep(0.05)
        assert executor.poll(handle) == 130
        done = executor.start([sys.executable, "-c", "print('hi')"], runner.child_env(), log)
        while time.time() < deadline and executor.poll(done) is None:
            time.sleep(0.05)
        assert executor.poll(done) == 0 and open(log).read().endswith("hi\n")
    finally:
        executor.close()


def test_without_the_extra_the_error_says_what_to_install(tmp_path):
    hide = ("import sys; sys.modules['distributed'] = None\n"
            "from tinyaug.sweeps import main\n"
            f"sys.exit(main(['--task', 'copy', '--model', 'lstm', '--executor', 'dask', "
            f"'--steps', '2', '--out', {str(tmp_path / 's')!r}]))\n")
    result = subprocess.run([sys.executable, "-c", hide], env=env(), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "pip install 'tinyaug[dask]'" in result.stderr
