"""The benchmark workloads, W1–W6. ``all_workloads()`` -> {key: Workload or reason string}:
a string says why a workload cannot run here (e.g. its model is not in ``tinyaug.models``)."""
from __future__ import annotations

from .common import COLUMNS, Context, Workload

DESCRIPTIONS = {
    "W1": "LSTM: input 8, hidden 128, batch 32, 20 steps",
    "W2": "tiny LSTM: input 8, hidden 32, batch 1, 20 steps",
    "W3": "large LSTM: input 8, hidden 512, batch 64, 50 steps",
    "W4": "NTM copy (LSTM controller 100, memory 128x20, 1 read + 1 write head, length 20, batch 16)",
    "W5": "seq2seq with attention",
    "W6": "ACT parity",
}


def all_workloads() -> dict:
    """Build the workload descriptions (cheap: no arrays are made until ``make_problem``)."""
    from . import lstm, ntm

    found: dict = {
        "W1": lstm.make_workload("W1", DESCRIPTIONS["W1"], lstm.LSTMSizes(8, 128, 32, 20)),
        "W2": lstm.make_workload("W2", DESCRIPTIONS["W2"], lstm.LSTMSizes(8, 32, 1, 20), steps_per_round=10),
        "W3": lstm.make_workload("W3", DESCRIPTIONS["W3"], lstm.LSTMSizes(8, 512, 64, 50),
                                 rounds_scale=0.4, steps_per_round=1),
    }
    try:
        found["W4"] = ntm.make_workload()
    except ImportError as error:
        found["W4"] = f"the NTM is not importable from tinyaug.models.ntm ({error})"
    for key, module, extra in (("W5", "seq2seq", "workloads/seq2seq.py"), ("W6", "act", "workloads/act.py")):
        found[key] = _optional(key, module, extra)
    return found


def _optional(key: str, model_module: str, workload_file: str):
    import importlib
    try:
        importlib.import_module(f"tinyaug.models.{model_module}")
    except ImportError:
        return f"tinyaug/models/{model_module}.py is not there yet"
    try:
        workload_module = importlib.import_module(f"{__name__}.{model_module}")
    except ImportError:
        return (f"tinyaug/models/{model_module}.py exists, but benchmarks/{workload_file} "
                f"(its workload and peers) is not written yet")
    return workload_module.make_workload()


__all__ = ["COLUMNS", "Context", "DESCRIPTIONS", "Workload", "all_workloads"]
