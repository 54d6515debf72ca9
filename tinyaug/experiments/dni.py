"""Synthetic gradients for recurrent nets (Jaderberg et al., ICML 2017, §3.1, Table 1's copy
and repeat-copy columns): an LSTM trained by truncated BPTT over windows of ``window`` = T
steps, with or without DNI, under a length curriculum.

    copy/lstm-tbptt          plain truncated BPTT (the baseline)
    copy/lstm-dni            + synthetic gradients at every window's end
    copy/lstm-dni-aux        + the auxiliary task of predicting future synthetic gradients
    repeat-copy/lstm-tbptt, repeat-copy/lstm-dni, repeat-copy/lstm-dni-aux

Curriculum (the paper's scheme: lengthen when the error falls under a threshold): every batch
has sequence length N (copy: N random ``bits``-bit vectors, a delimiter, the N vectors back;
repeat copy: N vectors, the delimiter with R ~ U[1, max_repeats], the N vectors R times and an
end marker). N starts at ``start_length``; when the training error, in bits per target
vector averaged over the last ``curriculum_window`` steps, is below ``threshold`` (0.15), N
grows by one. The score is the longest length solved within the step budget: the ``solved``
metric (N − 1 once N has grown past it), read from metrics.csv.

One optimizer step per sequence: the window gradients (and M's regression gradients) of all
the sequence's windows are summed first. Loss: BCE in nats summed over the masked outputs,
divided by the batch size (additive over time, as the truncated trainer needs).
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .. import optim
from ..autograd import no_grad, ops, tensor, to_numpy
from ..models.dni import DNIRecurrentModel, flat_cosine, full_bptt
from ..nn.lstm import LSTMCell
from ..tasks import make_task
from ..training.curriculum import ThresholdCurriculum
from ..training.experiment import Experiment, register

LN2 = float(np.log(2.0))


class CurriculumDNI(Experiment):
    """A binary sequence task under a length curriculum, learnt by truncated BPTT (± DNI)."""

    synthetic: ClassVar[bool] = False
    aux: ClassVar[bool] = False
    headline_metric: ClassVar[str] = "solved"
    defaults: ClassVar[dict[str, Any]] = {
        "steps": 6000, "batch_size": 16, "lr": 1e-3, "clip_norm": 10.0, "hidden_size": 64,
        "window": 3, "synth_hidden": 0, "aux_weight": 1.0, "synthetic_scale": 0.1, "bits": 8, "start_length": 1,
        "threshold": 0.15, "curriculum_window": 20, "max_repeats": 2, "eval_every": 500,
        "log_every": 50, "checkpoint_every": 1000, "eval_batch_size": 32,
    }

    def __init__(self, config: dict[str, Any], rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        bits = int(config["bits"])
        if self.task == "repeat-copy":
            self.generator = make_task(self.task, bits=bits, min_repeats=1,
                                       max_repeats=int(config["max_repeats"]))
        else:
            self.generator = make_task(self.task, bits=bits)
        init_rng = np.random.default_rng([int(config.get("seed", 0)), 1])
        cell = LSTMCell(self.generator.input_size, int(config["hidden_size"]), rng=init_rng)
        self.model = DNIRecurrentModel(cell, self.generator.output_size, int(config["window"]),
                                       synthetic=self.synthetic, aux=self.aux,
                                       synth_hidden=int(config["synth_hidden"]),
                                       aux_weight=float(config["aux_weight"]),
                                       synthetic_scale=float(config["synthetic_scale"]), rng=init_rng)
        self.optimizer = optim.Adam(self.model.parameters(), lr=float(config["lr"]))
        self.curriculum = ThresholdCurriculum(int(config["start_length"]), int(config["curriculum_window"]),
                                              float(config["threshold"]), rise_when="below")

    # -- data and loss ----------------------------------------------------------------------
    def _batch(self, size: int, rng: np.random.Generator, length: int):
        inputs, targets, mask = self.generator.batch(size, rng, length=length)
        return inputs.astype(np.float32), targets.astype(np.float32), mask.astype(np.float32)

    def _step_loss(self, targets: np.ndarray, mask: np.ndarray):
        batch = targets.shape[1]
        target_tensors = tensor(targets)
        mask_tensors = tensor(mask[:, :, None])

        def step_loss(t: int, output):
            if not mask[t].any():
                return None                     # input phase: nothing to predict
            logits = self.model.readout(output)
            bce = ops.binary_cross_entropy_with_logits(logits, target_tensors[t], reduction="none")
            return ops.sum(bce * mask_tensors[t]) * (1.0 / batch)
        return step_loss

    def _vectors(self, mask: np.ndarray) -> float:
        return float(mask.sum()) / mask.shape[1]  # target vectors per sequence

    # -- the Experiment contract ------------------------------------------------------------
    def train_step(self, step: int) -> dict[str, float]:
        inputs, targets, mask = self._batch(int(self.config["batch_size"]), self.rng, self.length)
        self.optimizer.zero_grad()
        result = self.model.trainer().run(tensor(inputs), self._step_loss(targets, mask))
        grad_norm = _clip_apart(self.model, float(self.config["clip_norm"]))
        self.optimizer.step()
        bits_per_vector = result["loss"] / LN2 / self._vectors(mask)
        metrics = {"loss": result["loss"], "bits_per_vector": bits_per_vector,
                   "length": float(self.length), "solved": float(self.length - 1),
                   "grad_norm": grad_norm}
        if self.model.synthesizer is not None:  # nan where the sequence fits in one window
            metrics["synthetic_cosine"] = float(np.mean(result["synthetic_cosine"] or [np.nan]))
            metrics["synthesizer_loss"] = float(np.mean(result["synthesizer_loss"] or [np.nan]))
        self.curriculum.record(bits_per_vector)     # solved: lengthen
        return metrics

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        inputs, targets, mask = self._batch(int(self.config["eval_batch_size"]), rng, self.length)
        with no_grad():
            outputs, _ = self.model(tensor(inputs))
            logits = np.stack([to_numpy(o.data) for o in outputs]).astype(np.float64)
        bce = np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
        vectors = self._vectors(mask)
        metrics = {"bits_per_vector": float((bce * mask[:, :, None]).sum() / LN2 / mask.shape[1] / vectors),
                   "wrong_bits_per_vector": float((((logits > 0) != (targets > 0.5)) * mask[:, :, None]).sum()
                                                  / mask.shape[1] / vectors),
                   "length": float(self.length)}
        if self.model.synthesizer is not None:
            metrics["true_gradient_cosine"] = self.true_gradient_cosine(inputs[:, :8], targets[:, :8], mask[:, :8])
        return metrics

    def true_gradient_cosine(self, inputs, targets, mask) -> float:
        """Mean cosine similarity between M(s_t) and the true future gradient ∂L_{>t}/∂s_t from
        full BPTT, over the window boundaries t of one batch (the parameters' gradients this
        computes are thrown away)."""
        window, time = self.model.window, inputs.shape[0]
        boundaries = tuple(range(window, time, window))
        if not boundaries:
            return float("nan")
        full = full_bptt(self.model.cell, tensor(inputs), self._step_loss(targets, mask),
                         probe_times=boundaries)
        self.optimizer.zero_grad()
        cosines = []
        with no_grad():
            for t in boundaries:
                state = tuple(tensor(s) for s in full["states"][t])
                prediction = self.model.synthesizer(state)
                parts = prediction if isinstance(prediction, tuple) else (prediction,)
                cosines.append(flat_cosine([p.data for p in parts], full["state_gradients"][t]))
        return float(np.mean(cosines))

    @property
    def length(self) -> int:
        """The curriculum's current sequence length."""
        return self.curriculum.level

    @length.setter
    def length(self, value: int) -> None:
        self.curriculum.level = int(value)

    def extra_state(self) -> dict[str, np.ndarray]:
        return self.curriculum.state("length", "recent")

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        self.curriculum.load(state, "length", "recent")


def _variant(task_name: str, model: str, synthetic: bool, aux: bool, doc: str):
    cls = type(f"{task_name.title().replace('-', '')}{model.title().replace('-', '')}", (CurriculumDNI,),
               {"task": task_name, "model_name": model, "synthetic": synthetic, "aux": aux,
                "__doc__": doc, "__module__": __name__})
    return register(cls)


for _task in ("copy", "repeat-copy"):
    _variant(_task, "lstm-tbptt", False, False, f"{_task}: LSTM, plain truncated BPTT (window T).")
    _variant(_task, "lstm-dni", True, False, f"{_task}: LSTM, truncated BPTT + synthetic gradients.")
    _variant(_task, "lstm-dni-aux", True, True, f"{_task}: LSTM, DNI + Aux (predict future synthetic gradients).")


class CharLanguageModelDNI(Experiment):
    """Character-level language model on an English text corpus (``tinyaug.tasks.chars``;
    default the Debian package ``fortunes``), an LSTM over one-hot characters trained by
    truncated BPTT in windows of T characters, one optimizer step per window, the state
    carried from window to window (the paper's Penn Treebank setup, §3.1, on other text).
    ``train_step`` = one window for each of ``batch_size`` streams. Headline: bits per
    character on held-out text (the last 5%), read by ``eval_streams`` streams of
    ``eval_length`` characters from a zero state."""

    task: ClassVar[str] = "chars"
    synthetic: ClassVar[bool] = False
    aux: ClassVar[bool] = False
    headline_metric: ClassVar[str] = "bits_per_char"
    defaults: ClassVar[dict[str, Any]] = {
        "steps": 10000, "batch_size": 16, "lr": 1e-3, "clip_norm": 5.0, "hidden_size": 128,
        "window": 4, "synth_hidden": 0, "aux_weight": 1.0, "synthetic_scale": 0.1, "corpus_dir": "",
        "eval_streams": 8, "eval_length": 300, "eval_every": 1000, "log_every": 100,
        "checkpoint_every": 2000,
    }

    def __init__(self, config: dict[str, Any], rng: np.random.Generator) -> None:
        super().__init__(config, rng)
        from ..tasks.chars import DEFAULT_CORPUS_DIR, VOCAB_SIZE, CharStreams, load_corpus, split_corpus
        self.train_text, self.held_out = split_corpus(load_corpus(config["corpus_dir"] or DEFAULT_CORPUS_DIR))
        init_rng = np.random.default_rng([int(config.get("seed", 0)), 1])
        cell = LSTMCell(VOCAB_SIZE, int(config["hidden_size"]), rng=init_rng)
        self.model = DNIRecurrentModel(cell, VOCAB_SIZE, int(config["window"]),
                                       synthetic=self.synthetic, aux=self.aux,
                                       synth_hidden=int(config["synth_hidden"]),
                                       aux_weight=float(config["aux_weight"]),
                                       synthetic_scale=float(config["synthetic_scale"]), rng=init_rng)
        self.optimizer = optim.Adam(self.model.parameters(), lr=float(config["lr"]))
        self.streams = CharStreams(self.train_text, int(config["batch_size"]), rng)
        self.state = None

    def _step_loss(self, targets: np.ndarray):
        batch = targets.shape[1]
        target_ids = tensor(targets)          # on the default backend, like the model

        def step_loss(t: int, output):
            logits = self.model.readout(output)
            return ops.cross_entropy(logits, target_ids[t], reduction="sum") * (1.0 / batch)
        return step_loss

    def train_step(self, step: int) -> dict[str, float]:
        window = int(self.config["window"])
        inputs, targets = self.streams.next_window(window)
        self.optimizer.zero_grad()
        result = self.model.trainer().run(tensor(inputs), self._step_loss(targets),
                                          state=self.state, stream=True)
        self.state = result["final_state"]
        grad_norm = _clip_apart(self.model, float(self.config["clip_norm"]))
        self.optimizer.step()
        metrics = {"loss": result["loss"], "bits_per_char": result["loss"] / window / LN2,
                   "grad_norm": grad_norm}
        if self.model.synthesizer is not None:
            metrics["synthetic_cosine"] = float(np.mean(result["synthetic_cosine"] or [np.nan]))
        return metrics

    def evaluate(self, rng: np.random.Generator) -> dict[str, float]:
        from ..tasks.chars import one_hot
        streams, length = int(self.config["eval_streams"]), int(self.config["eval_length"])
        starts = np.linspace(0, len(self.held_out) - length - 2, streams).astype(int)
        ids = self.held_out[starts[None, :] + np.arange(length + 1)[:, None]]   # (L + 1, S)
        with no_grad():
            outputs, _ = self.model(tensor(one_hot(ids[:-1])))
            logits = np.stack([to_numpy(o.data) for o in outputs]).astype(np.float64)
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        nll = -np.take_along_axis(log_probs, ids[1:, :, None], axis=-1).mean()
        metrics = {"bits_per_char": float(nll / LN2)}
        if self.model.synthesizer is not None:
            metrics["true_gradient_cosine"] = self.true_gradient_cosine(ids)
        return metrics

    def true_gradient_cosine(self, ids: np.ndarray) -> float:
        """Cosine of M(s_t) against ∂L/∂s_t from full BPTT over the first 8 windows of the
        held-out streams (the 'true' gradient here sees at most 7 windows ahead)."""
        from ..tasks.chars import one_hot
        window = int(self.config["window"])
        span = min(8 * window, ids.shape[0] - 1)
        boundaries = tuple(range(window, span, window))
        full = full_bptt(self.model.cell, tensor(one_hot(ids[:span])), self._step_loss(ids[1:span + 1]),
                         probe_times=boundaries)
        self.optimizer.zero_grad()
        cosines = []
        with no_grad():
            for t in boundaries:
                prediction = self.model.synthesizer(tuple(tensor(s) for s in full["states"][t]))
                parts = prediction if isinstance(prediction, tuple) else (prediction,)
                cosines.append(flat_cosine([p.data for p in parts], full["state_gradients"][t]))
        return float(np.mean(cosines))

    def extra_state(self) -> dict[str, np.ndarray]:
        saved = {"positions": self.streams.positions.copy()}
        if self.state is not None:
            saved.update({f"state{i}": to_numpy(s.data) for i, s in enumerate(self.state)})
        return saved

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        if "positions" in state:
            self.streams.positions = np.asarray(state["positions"]).astype(np.int64)
        parts = [state[k] for k in sorted(state) if k.startswith("state")]
        self.state = tuple(tensor(p.astype(np.float32)) for p in parts) if parts else None


def _clip_apart(model: DNIRecurrentModel, max_norm: float) -> float:
    """Clip the network and M apart (M's regression gradients must not shrink the network's
    step; early on they dominate the global norm). Returns the network's norm."""
    synth = model.synthesizer
    synth_params = {id(p) for p in synth.parameters()} if synth is not None else set()
    network = [p for p in model.parameters() if id(p) not in synth_params]
    norm = optim.clip_grad_norm(network, max_norm)
    if synth is not None:
        optim.clip_grad_norm(synth.parameters(), max_norm)
    return norm


for _model, (_synthetic, _aux) in {"lstm-tbptt": (False, False), "lstm-dni": (True, False),
                                   "lstm-dni-aux": (True, True)}.items():
    register(type(f"Chars{_model.title().replace('-', '')}", (CharLanguageModelDNI,),
                  {"model_name": _model, "synthetic": _synthetic, "aux": _aux,
                   "__module__": __name__, "__doc__": f"chars: {_model}, character-level LM."}))
