"""W5: one training step of the dates seq2seq model with additive attention.

The model is the one ``tinyaug train --task dates --model seq2seq-attention`` builds by default
(``tinyaug/experiments/attention.py``): ``seq2seq(62, 14, embedding 32, hidden 64, "additive",
attention 64, input_feeding=True)``, i.e.

* encoder (Bahdanau et al. 2014, §3.2): character embeddings (32) read by a forward and a
  backward LSTM of 64 units each (the backward one reverses each sequence within its own
  length); annotations h_j = [→h_j; ←h_j] (128), summary [→h_n; ←h_1];
* decoder: one LSTM cell of 128 units, s_0 = tanh(W_init summary); additive attention
  e_ij = vᵀ tanh(W s_{i−1} + U h_j) (eqs. 5–6, attention size 64, padding masked),
  s_i = LSTM(s_{i−1}, [E y_{i−1}; c_i]) (eq. 4), h̃_i = tanh(W_c [c_i; s_i]) and
  logits W_s h̃_i (Luong et al. 2015, eqs. 5–6), teacher forcing;
* loss: cross-entropy per real target token (masked mean), backward, Adam (lr 3e-3, the
  experiment's default). The experiment also clips the gradient norm at 5; the benchmark
  does not (the step is forward + loss + backward + Adam as in every other workload).

One fixed batch of 32 dates (``DateNormalisation().batch(32, default_rng(1))``): source
length 26 characters (padded; real lengths 8–26), target 11 tokens ("yyyy-mm-dd" + EOS).

Columns: tinyaug as built (fused LSTM sequence ops in the encoder, fused LSTM cell in the
decoder: "tinyaug fused"), the same model with every LSTM switched to its composite engine
ops ("tinyaug composite"), and PyTorch eager with the same equations written by hand
(``peers/torch_peer.seq2seq_attention``). All start from tinyaug's initial weights.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import Context, Workload, tinyaug_step

SEQ2SEQ_LEARNING_RATE = 3e-3   # the dates experiment's default lr


@dataclass(frozen=True)
class Seq2SeqSizes:
    batch: int = 32
    embedding: int = 32
    hidden: int = 64            # per encoder direction; the decoder has 2 × hidden
    attention: int = 64
    seed: int = 0


SIZES = Seq2SeqSizes()


def _build_model(sizes: Seq2SeqSizes, source_vocab: int, target_vocab: int):
    """The dates/seq2seq-attention model as the experiment builds it (same init rng)."""
    from tinyaug.models.seq2seq import seq2seq

    init_rng = np.random.default_rng([sizes.seed, 1])
    return seq2seq(source_vocab, target_vocab, sizes.embedding, sizes.hidden, "additive",
                   sizes.attention, True, rng=init_rng)


def make_problem(sizes: Seq2SeqSizes, dtype) -> dict:
    """Initial weights (tinyaug's, by state-dict name) and one fixed batch of dates."""
    import tinyaug as ta
    from tinyaug.tasks.dates import DateNormalisation

    previous = ta.get_backend()
    ta.set_backend("numpy")
    try:
        task = DateNormalisation()
        model = _build_model(sizes, len(task.source_vocab), len(task.target_vocab))
        weights = {k: np.asarray(v).astype(dtype) for k, v in model.state_dict().items()}
    finally:
        ta.set_backend(previous.name)
    batch = task.batch(sizes.batch, np.random.default_rng(1))
    return {"sizes": sizes, "weights": weights, "batch": batch,
            "source_vocab": len(task.source_vocab), "target_vocab": len(task.target_vocab),
            "dtype": np.dtype(dtype), "lr": SEQ2SEQ_LEARNING_RATE}


def matmul_flops(sizes: Seq2SeqSizes, source_steps: int = 26, target_steps: int = 11) -> float:
    """Products of one step, forward ×3 (each forward product has two backward products; the
    embeddings are trained, so every input needs its gradient). Encoder, per direction:
    2·S·B·E·4H + 2·S·B·H·4H. Decoder (D = 2H, K = 2H keys, A attention size, V = 14): once
    s_0 2·B·K·D and U h_j 2·B·S·K·A; per step W s 2·B·D·A, scores 2·B·S·A, context 2·B·S·K,
    cell 2·B·(E + K)·4D + 2·B·D·4D, combine 2·B·(K + D)·D, read-out 2·B·D·V."""
    B, S, T, E, H, A, V = sizes.batch, source_steps, target_steps, sizes.embedding, sizes.hidden, sizes.attention, 14
    D = K = 2 * H
    encoder = 2 * (2 * S * B * E * 4 * H + 2 * S * B * H * 4 * H)
    once = 2 * B * K * D + 2 * B * S * K * A
    per_step = (2 * B * D * A + 2 * B * S * A + 2 * B * S * K + 2 * B * (E + K) * 4 * D
                + 2 * B * D * 4 * D + 2 * B * (K + D) * D + 2 * B * D * V)
    return 3 * (encoder + once + T * per_step)


def tinyaug_builder(fused: bool):
    def build(problem: dict, context: Context):
        import tinyaug as ta
        from tinyaug.nn.lstm import LSTM, LSTMCell

        ta.set_backend(context.backend)
        s = problem["sizes"]
        model = _build_model(s, problem["source_vocab"], problem["target_vocab"])
        model.astype(problem["dtype"])
        model.load_state_dict(problem["weights"])
        if not fused:   # every LSTM (encoder sequences, decoder cell) through its composite ops
            for module in model.modules():
                if isinstance(module, (LSTM, LSTMCell)):
                    module.fused = False
        optimizer = ta.optim.Adam(model.parameters(), lr=problem["lr"])
        batch = problem["batch"]

        def compute_loss():
            return model.loss(batch)[0]     # masked cross-entropy per target token

        return tinyaug_step(compute_loss, optimizer)
    return build


def make_workload() -> Workload:
    from ..peers import torch_peer

    builders = {
        "tinyaug fused": tinyaug_builder(fused=True),
        "tinyaug composite": tinyaug_builder(fused=False),
        "numpy hand": "not written for seq2seq",
        "torch hand cell": torch_peer.seq2seq_attention,
        "torch.nn.LSTM": "not written for seq2seq (the encoder's per-sequence reversal differs from packing)",
        "HIPS autograd": "not written for seq2seq",
        "DeZero": "not written for seq2seq",
    }
    D = 2 * SIZES.hidden
    return Workload(key="W5", title=f"seq2seq dates, additive attention: bi-LSTM {SIZES.hidden}+{SIZES.hidden}, "
                                    f"decoder LSTM {D}, batch {SIZES.batch}, source 26, target 11",
                    make_problem=lambda dtype: make_problem(SIZES, dtype), builders=builders,
                    matmul_flops=matmul_flops(SIZES), gemm_shape=(SIZES.batch, D, 4 * D),
                    steps_per_round=3,
                    notes=["'tinyaug fused' is the model as the dates experiment builds it (fused LSTM "
                           "ops); 'tinyaug composite' switches every LSTM to engine ops; no grad clipping"])
