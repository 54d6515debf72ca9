"""Adaptive Computation Time experiments (Graves 2016, arXiv 1603.08983, §3):

    parity/act-rnn        ACT around a 128-unit tanh RNN (the paper's parity network)
    parity/rnn            the same RNN, one step per input (no ACT)
    parity/repeat-rnn     the same RNN run a fixed ``repeats`` times per input (ablation)
    logic/act-lstm, logic/lstm, logic/repeat-lstm
    addition/act-lstm, addition/lstm, addition/repeat-lstm

Loss per sequence (summed over its real steps), averaged over the batch:
task loss (BCE for parity and logic; 6 softmax cross-entropies for addition) + τ Σ_t ρ_t
(eq. 16). Metrics: ``error`` (parity: fraction of wrong examples; logic and addition: sequence
error rate, a sequence being wrong if any of its outputs is), ``mean_ponder`` (ρ = N + R per
real input step), ``mean_steps`` (N per real input step).
"""
from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np

from .. import optim
from ..autograd import no_grad, ops, tensor, to_numpy
from ..autograd.ops import binary_cross_entropy_with_logits, cross_entropy, sum as sum_
from ..models.act import ACT, FixedRepeat
from ..nn.lstm import LSTMCell
from ..nn.rnn import RNNCell
from ..nn import Linear, Module, init
from ..tasks import make_task
from ..tasks.addition import Addition
from ..tasks.logic import Logic
from ..tasks.parity import Parity
from ..plots import act as act_plots, curves
from ..training.experiment import Experiment, register
from ..training.metrics import read_metrics
from ..training.milestones import steps_to_reach
from . import curves as run_curves


class ACTNetwork(Module):
    """``core`` (ACT or FixedRepeat around a cell) and a linear read-out (W_y, b_y of eq. 5,
    applied to the p-weighted cell output). inputs (T, B, I) -> (logits (T, B, O), ACTResult)."""

    def __init__(self, core: Module, output_size: int, rng: np.random.Generator) -> None:
        super().__init__()
        self.core = core
        self.readout = Linear(core.output_size, output_size, rng=rng)

    def forward(self, inputs, step_mask: np.ndarray | None = None):
        result = self.core(inputs, step_mask=step_mask)
        return self.readout(result.outputs), result


def build_network(cell_kind: str, use_act: bool, input_size: int, output_size: int,
                  config: dict[str, Any], rng: np.random.Generator) -> ACTNetwork:
    """The cell takes the input and the ponder flag (input_size + 1)."""
    hidden = int(config["hidden_size"])
    cell = (RNNCell(input_size + 1, hidden, rng=rng) if cell_kind == "rnn"
            else LSTMCell(input_size + 1, hidden, rng=rng))
    scheme = config.get("init", "default")
    if scheme == "glorot-stacked":
        stacked_glorot_init(cell, rng)
    elif scheme != "default":
        raise ValueError(f"ACT experiments: init must be 'default' or 'glorot-stacked', got {scheme!r}")
    if use_act:
        core = ACT(cell, max_ponder=int(config["max_ponder"]), epsilon=float(config["epsilon"]),
                   halting_bias=float(config["halting_bias"]), rng=rng)
    else:
        core = FixedRepeat(cell, repeats=int(config["repeats"]))
    return ACTNetwork(core, output_size, rng)


def stacked_glorot_init(cell: Module, rng: np.random.Generator) -> None:
    """Re-initialise a cell as TensorFlow's RNN cells do: one Glorot-uniform draw over the
    stacked [x; h] kernel (input_size + hidden, gates · hidden), so input and recurrent weights
    share the bound sqrt(6 / (input_size + hidden + gates · hidden)); biases zero (for an LSTM
    the forget-gate bias is kept, as TensorFlow's BasicLSTMCell adds 1 to it)."""
    inputs, hidden = cell.weight_input.shape[0], cell.weight_hidden.shape[0]
    width = cell.weight_input.shape[1]
    kernel = init.xavier_uniform((inputs + hidden, width), rng)
    xp = cell.weight_input.xp
    cell.weight_input.data[...] = xp.asarray(kernel[:inputs], dtype=cell.weight_input.dtype)
    cell.weight_hidden.data[...] = xp.asarray(kernel[inputs:], dtype=cell.weight_hidden.dtype)
    if isinstance(cell, RNNCell):
        cell.bias.data[...] = 0


ACT_DEFAULTS: dict[str, Any] = {
    "steps": 20000, "batch_size": 128, "lr": 1e-3, "seed": 0, "hidden_size": 128,
    "tau": 1e-3, "max_ponder": 100, "epsilon": 0.01, "halting_bias": 1.0, "repeats": 1,
    "clip_norm": 10.0, "eval_batch_size": 1000, "dtype": "float32", "init": "default",
    "lr_drop_step": 0, "lr_drop_factor": 0.3,
}


class ACTExperiment(Experiment):
    """Shared by every (task, model) pair of this module; subclasses set ``task``,
    ``model_name``, ``cell_kind`` ('rnn' or 'lstm'), ``use_act`` and ``defaults``."""

    cell_kind: ClassVar[str] = "rnn"
    use_act: ClassVar[bool] = True
    headline_metric: ClassVar[str] = "error"

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        from ..tasks import TASKS
        return {**ACT_DEFAULTS, **TASKS[cls.task].defaults, **cls.defaults}

    def __init__(self, config: dict[str, Any], rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        from ..tasks import TASKS
        self.task_generator = make_task(self.task, **{k: config[k] for k in TASKS[self.task].defaults})
        self.dtype = np.dtype(config.get("dtype", "float32"))
        init_rng = np.random.default_rng([int(config.get("seed", 0)), 1])
        self.model = build_network(self.cell_kind, self.use_act, self.task_generator.input_size,
                                   self.task_generator.output_size, config, init_rng)
        if self.dtype != np.float32:
            self.model.astype(self.dtype)
        self.optimizer = optim.Adam(self.model.parameters(), lr=float(config["lr"]))

    # -- loss and metrics -------------------------------------------------------------------
    def _digits(self) -> bool:
        return isinstance(self.task_generator, Addition)

    def _run(self, batch):
        inputs, targets, mask = batch
        step_mask = np.any(inputs != 0, axis=2)  # every real step of these tasks is nonzero
        logits, result = self.model(tensor(inputs.astype(self.dtype)), step_mask=step_mask)
        return logits, result, step_mask

    def _task_loss(self, logits, targets: np.ndarray, mask: np.ndarray):
        """Task loss summed over each sequence's masked outputs, summed over the batch."""
        mask_t = tensor(mask.astype(self.dtype))
        if self._digits():
            time, batch, digits = targets.shape
            logits = ops.reshape(logits, (time, batch, digits, self.task_generator.num_classes))
            per_digit = cross_entropy(logits, tensor(targets.astype(np.int64)), reduction="none")
            return sum_(per_digit * mask_t[:, :, None])
        per_bit = binary_cross_entropy_with_logits(logits, tensor(targets.astype(self.dtype)),
                                                   reduction="none")
        return sum_(per_bit * mask_t[:, :, None])

    def _wrong_steps(self, logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """(time, batch) bool: some output of that step is wrong (an argmax digit, or a bit on
        the wrong side of 0.5)."""
        if self._digits():
            time, batch, digits = targets.shape
            predicted = logits.reshape(time, batch, digits, -1).argmax(axis=-1)
            return (predicted != targets).any(axis=2)
        return ((logits > 0) != (targets > 0.5)).any(axis=2)

    def _metrics(self, logits: np.ndarray, targets: np.ndarray, mask: np.ndarray,
                 ponder_cost: np.ndarray, ponder_steps: np.ndarray, step_mask: np.ndarray):
        wrong_step = self._wrong_steps(logits, targets)
        wrong_sequence = (wrong_step & (mask > 0)).any(axis=0)
        real = step_mask.sum()
        return {"error": float(wrong_sequence.mean()),
                "mean_ponder": float((ponder_cost * step_mask).sum() / real),
                "mean_steps": float((ponder_steps * step_mask).sum() / real)}

    def learning_rate(self, step: int) -> float:
        """``lr``, times ``lr_drop_factor`` from step ``lr_drop_step`` on (0: never)."""
        drop_step = int(self.config.get("lr_drop_step") or 0)
        factor = float(self.config.get("lr_drop_factor", 0.3)) if drop_step and step >= drop_step else 1.0
        return float(self.config["lr"]) * factor

    # -- the Experiment contract ------------------------------------------------------------
    def train_step(self, step: int) -> dict[str, float]:
        self.model.train()
        batch = self.task_generator.batch(int(self.config["batch_size"]), self.rng)
        batch_size = batch[0].shape[1]
        logits, result, step_mask = self._run(batch)
        task_loss = self._task_loss(logits, batch[1], batch[2]) / batch_size
        ponder = sum_(result.ponder_cost) / batch_size      # masked steps carry ρ = 0
        loss = task_loss + float(self.config["tau"]) * ponder  # eq. 16
        self.optimizer.lr = self.learning_rate(step)
        self.optimizer.zero_grad()
        loss.backward()
        grad_norm = 0.0
        if float(self.config.get("clip_norm") or 0):
            grad_norm = optim.clip_grad_norm(self.model.parameters(), float(self.config["clip_norm"]))
        self.optimizer.step()
        metrics = self._metrics(to_numpy(logits), batch[1], batch[2], to_numpy(result.ponder_cost),
                                result.ponder_steps, step_mask)
        metrics.update({"loss": float(loss.item()), "task_loss": float(task_loss.item()),
                        "grad_norm": grad_norm})
        return metrics

    def predict(self, batch):
        """(host logits (T, B, O), ponder cost (T, B), ponder steps (T, B), step mask)."""
        self.model.eval()
        with no_grad():
            logits, result, step_mask = self._run(batch)
        return (to_numpy(logits).astype(np.float64), to_numpy(result.ponder_cost).astype(np.float64),
                result.ponder_steps, step_mask)

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        batch = self.task_generator.batch(int(self.config["eval_batch_size"]), rng)
        logits, cost, steps, step_mask = self.predict(batch)
        return self._metrics(logits, batch[1], batch[2], cost, steps, step_mask)

    def report(self, run_dir: str, seed: int = 2026) -> str:
        """The numbers docs/sections/act.md quotes: error, ρ and N over fresh evaluation
        batches (one generator seeded ``seed``); the steps at which the run's evaluations
        first reached, and stayed at, 10 % and 2 % error (metrics.csv); error and N against
        input difficulty; and for ACT the halting histogram (10,000 examples, seed 1). The
        sample sizes are those each task's section used (``REPORT_SAMPLES``)."""
        evaluations, examples, sweep_seed = REPORT_SAMPLES[self.task]
        rng = np.random.default_rng(seed)
        results = [self.evaluate(rng) for _ in range(evaluations)]
        errors = np.array([r["error"] for r in results])
        lines = [f"{evaluations} × {self.config['eval_batch_size']} fresh sequences (rng {seed}): "
                 f"error {errors.mean():.4f} ({errors.min():.4f}–{errors.max():.4f}), "
                 f"ρ {np.mean([r['mean_ponder'] for r in results]):.3f}, "
                 f"N {np.mean([r['mean_steps'] for r in results]):.3f} per input step"]
        if "eval_error" in read_metrics(run_dir):
            for threshold in (0.1, 0.02):
                reached = steps_to_reach(run_dir, threshold)
                lines.append(f"evaluation error ≤ {threshold:g}: first at step {reached['first']}, "
                             f"for good from step {reached['settled']}")
        name, values, sweep_errors, steps = difficulty_sweep(self, examples, seed=sweep_seed)
        lines.append(f"by {name} ({examples} examples each, seed {sweep_seed}): " + "; ".join(
            f"{value}: error {error:.4f}, N {n:.2f}" for value, error, n in zip(values, sweep_errors, steps)))
        if self.use_act:
            lines.append("halting histogram (10,000 examples, seed 1): " + "; ".join(
                f"N={row['steps']}: {row['fraction']:.4f} of steps, error {row['error']:.4f}"
                for row in halting_histogram(self, 10000, seed=1)))
        return "\n".join(lines)

    def plot(self, run_dir: str, rng: np.random.Generator) -> list[str]:
        paths = []
        curve = run_curves.learning_curve(run_dir, "error", title=f"{self.task} / {self.model_name}")
        if curve:
            paths.append(curve)
        if self.use_act and not isinstance(self.task_generator, Parity):
            batch = self.task_generator.batch(1, rng, length=self.task_generator.defaults.get(
                "max_length", self.task_generator.defaults.get("max_numbers")))
            _, _, steps, _ = self.predict(batch)
            paths.append(act_plots.ponder_sequence_figure(os.path.join(run_dir, "ponder_sequence.png"),
                                                          steps[:, 0], f"{self.task} / {self.model_name}"))
        return paths


def _experiment(task_cls, cell_kind: str, use_act: bool, repeats_default: int,
                extra: dict[str, Any]):
    prefix = "act-" if use_act else ("repeat-" if repeats_default > 1 else "")
    name = f"{prefix}{cell_kind}"
    doc = (f"{task_cls.name}: {'ACT around a ' if use_act else ''}{cell_kind.upper()}"
           f"{'' if use_act else (' repeated a fixed number of times' if repeats_default > 1 else ' without ACT')}")
    attributes = {"task": task_cls.name, "model_name": name, "cell_kind": cell_kind,
                  "use_act": use_act, "defaults": {**extra, "repeats": repeats_default},
                  "__doc__": doc}
    return register(type(f"{task_cls.__name__}{name.title().replace('-', '')}",
                         (ACTExperiment,), attributes))


# Parity: a 128-unit tanh RNN, batch 128 (§3.1).
for _use_act, _repeats in ((True, 1), (False, 1), (False, 2)):
    _experiment(Parity, "rnn", _use_act, _repeats, {"tau": 1e-3, "hidden_size": 128})
# Logic: an LSTM of 128 cells, batch 16 (§3.2).
# Addition: the paper used an LSTM of 512 cells (§3.3); the default here is the recipe measured
# to solve the task on one CPU core (docs/sections/act.md): LSTM 128, batch 128, Adam 3e-3
# for 30,000 steps then 3e-4 to 36,000, τ = 0.1 (0.6 % sequence error on 10,000 sequences).
#: What ``ACTExperiment.report`` draws, per task, as docs/sections/act.md measured it:
#: (evaluation batches from rng 2026, examples per difficulty value, the sweep's seed).
REPORT_SAMPLES = {"addition": (10, 1000, 1), "logic": (5, 500, 1), "parity": (5, 400, 0)}
ADDITION_RECIPE = {"tau": 0.1, "hidden_size": 128, "batch_size": 128, "lr": 3e-3,
                   "steps": 36000, "lr_drop_step": 30000, "lr_drop_factor": 0.1}
for _use_act, _repeats in ((True, 1), (False, 1), (False, 2)):
    _experiment(Logic, "lstm", _use_act, _repeats, {"tau": 1e-3, "hidden_size": 128,
                                                    "batch_size": 16})
    _experiment(Addition, "lstm", _use_act, _repeats, dict(ADDITION_RECIPE))


# -- README figures -------------------------------------------------------------------------
def _final_eval(run_dir: str, last: int = 3, at_step: int | None = None) -> dict[str, float]:
    """The mean of the last ``last`` evaluation rows of a run's metrics.csv, counting only the
    rows at or before ``at_step`` when given (so that runs of different lengths can be compared
    at the same step; a run without a learning-rate schedule reads there as if it had stopped)."""
    columns = read_metrics(run_dir)
    steps = columns.get("step", np.array([]))
    result = {}
    for key in ("eval_error", "eval_mean_ponder", "eval_mean_steps"):
        values = columns.get(key, np.array([]))
        keep = np.isfinite(values)
        if at_step is not None:
            keep &= steps <= at_step
        values = values[keep]
        result[key] = float(values[-last:].mean()) if values.size else float("nan")
    return result


def tau_sweep_figure(run_dirs: dict[float, str], path: str, title: str = "",
                     at_step: int | None = None) -> str:
    """Error rate and mean ponder time against τ (Graves 2016, Figs. 4 and 8) from one run
    per τ: ``run_dirs`` maps τ to a run folder; each point is the mean of its last three
    evaluations (up to ``at_step`` when given)."""
    taus = sorted(run_dirs)
    finals = [_final_eval(run_dirs[tau], at_step=at_step) for tau in taus]
    return act_plots.tau_sweep_figure(path, taus, [f["eval_error"] for f in finals],
                                      [f["eval_mean_ponder"] for f in finals], title)


def compare_runs_figure(run_dirs: dict[str, str], path: str, title: str = "",
                        target: float | None = None) -> str:
    """Evaluation error against training step for several runs (``label -> run folder``);
    ``target`` draws a dashed line at that error (e.g. 0.02 for 98 % accuracy)."""
    runs = {label: read_metrics(run_dir) for label, run_dir in run_dirs.items()}
    return curves.compare_curves({label: (c["step"], c["eval_error"]) for label, c in runs.items()},
                                 path, "step (batches)", "error on fresh examples", title=title,
                                 target=target, figsize=(6, 3.4), markersize=2, legend_size=8)


def difficulty_sweep(experiment: ACTExperiment, examples: int = 500,
                     seed: int = 0) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """Sequence error and mean ponder steps N (per real input step) against the difficulty of
    the inputs: digits per number (addition), gates per vector (logic) or ±1 entries (parity).
    Returns (difficulty name, values, errors, mean N); ``examples`` sequences per value."""
    task = experiment.task_generator
    if isinstance(task, Addition):
        name, values = "digits", np.arange(1, task.max_digits + 1)
    elif isinstance(task, Logic):
        name, values = "gates", np.arange(1, task.max_gates + 1)
    else:
        name, values = "nonzero", np.arange(1, task.size + 1)
    rng = np.random.default_rng(seed)
    errors, steps = [], []
    for value in values:
        batch = task.batch(examples, rng, **{name: int(value)})
        logits, cost, ponder_steps, step_mask = experiment.predict(batch)
        metrics = experiment._metrics(logits, batch[1], batch[2], cost, ponder_steps, step_mask)
        errors.append(metrics["error"])
        steps.append(metrics["mean_steps"])
    return name, values, np.array(errors), np.array(steps)


def difficulty_figure(experiment: ACTExperiment, path: str, examples: int = 500,
                      seed: int = 0) -> str:
    """Mean ponder steps N and sequence error against input difficulty (``difficulty_sweep``)."""
    name, values, errors, steps = difficulty_sweep(experiment, examples, seed)
    label = {"digits": "digits per number", "gates": "gates per input vector",
             "nonzero": "number of ±1 entries"}[name]
    return act_plots.steps_and_error_figure(
        path, values, steps, errors, label, "ponder steps N per input step", "sequence error",
        f"{experiment.task} / {experiment.model_name}, τ={experiment.config['tau']}")


def example_ponder_figure(experiment: ACTExperiment, path: str, seed: int = 0) -> str:
    """N(t) over the input steps of one longest-length sequence, each step labelled with its
    input (addition: the number; logic: the number of gates)."""
    task = experiment.task_generator
    rng = np.random.default_rng(seed)
    length = task.max_numbers if isinstance(task, Addition) else task.max_length
    batch = task.batch(1, rng, length=length)
    _, _, steps, _ = experiment.predict(batch)
    inputs = batch[0][:, 0]
    if isinstance(task, Addition):
        labels = []
        for vector in inputs:
            digits = vector.reshape(task.max_digits, 10)
            used = digits.sum(axis=1) > 0
            labels.append("".join(str(int(d)) for d in digits[used].argmax(axis=1)[::-1]))
    else:
        gate_chunks = inputs[:, 2:].reshape(len(inputs), task.max_gates, -1)
        labels = [str(int(chunks.sum())) for chunks in gate_chunks]
    xlabel = ("input step t (the number added)" if isinstance(task, Addition)
              else "input step t (gates in its vector)")
    return act_plots.ponder_sequence_figure(path, steps[:, 0], f"{experiment.task} / {experiment.model_name}",
                                            labels, xlabel)


def halting_histogram(experiment: ACTExperiment, examples: int = 10000,
                      seed: int = 0) -> list[dict[str, float]]:
    """How many ponder steps N the network takes per input step and how often it is wrong at
    each N, on ``examples`` fresh sequences (every real input step counted; an example is
    wrong at a step if any output there is). Returns one row per N that occurs:
    ``{"steps": N, "fraction": share of input steps, "error": error rate among them}``.

    For parity this shows where the errors sit: an example that halts after one step (h^1 ≥
    1 − ε) gets p^1 = R = 1, so no gradient reaches that halting decision (eqs. 11-12)."""
    task = experiment.task_generator
    batch = task.batch(examples, np.random.default_rng(seed))
    logits, _, ponder_steps, step_mask = experiment.predict(batch)
    mask = batch[2]
    wrong = experiment._wrong_steps(logits, batch[1])
    real = step_mask > 0
    scored = real & (mask > 0)
    rows = []
    for steps in np.unique(ponder_steps[real]):
        at = real & (ponder_steps == steps)
        rows.append({"steps": int(steps), "fraction": float(at.sum() / real.sum()),
                     "error": float(wrong[at & scored].mean()) if (at & scored).any() else float("nan")})
    return rows


def halting_histogram_figure(experiment: ACTExperiment, path: str, examples: int = 10000,
                             seed: int = 0, title: str = "") -> str:
    """Bars: share of input steps that halt after N ponder steps; dots: the error among them
    (``halting_histogram``). Counts under 0.1 % of the steps are left out."""
    rows = [row for row in halting_histogram(experiment, examples, seed) if row["fraction"] >= 1e-3]
    return act_plots.halting_histogram_figure(
        path, rows, title or f"{experiment.task} / {experiment.model_name}, τ={experiment.config['tau']}")


def parity_ponder_figure(experiment: ACTExperiment, path: str, examples: int = 500,
                         seed: int = 0) -> str:
    """Mean ponder steps N and error against the number of ±1 entries of parity inputs."""
    rng = np.random.default_rng(seed)
    counts = np.arange(1, experiment.task_generator.size + 1)
    steps, errors = [], []
    for count in counts:
        batch = experiment.task_generator.batch(examples, rng, nonzero=int(count))
        logits, _, ponder_steps, _ = experiment.predict(batch)
        steps.append(ponder_steps.mean())
        errors.append(((logits > 0) != (batch[1] > 0.5)).mean())
    return act_plots.steps_and_error_figure(
        path, counts, steps, errors, "number of ±1 entries in the input", "ponder steps N", "error",
        f"parity ({experiment.task_generator.size}) / {experiment.model_name}, "
        f"τ={experiment.config['tau']}", error_ylim=False)
