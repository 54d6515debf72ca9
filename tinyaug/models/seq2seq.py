"""Encoder–decoder models with and without attention, and an image captioner that attends over
a conv net's feature grid.

Encoders turn the input into an ``EncoderMemory``: ``keys`` (batch, source, key_size), one
annotation per source position (or image location), their ``mask`` (batch, source) or None,
and a ``summary`` (batch, key_size), the whole input squeezed into one vector.

* ``BidirectionalEncoder`` (Bahdanau et al. 2014, §3.2): token embeddings read by a forward and
  a backward LSTM; h_j = [→h_j; ←h_j] (eq. 7 of their appendix), summary [→h_n; ←h_1].
* ``ConvEncoder`` (Xu et al. 2015, §3.1.1): a small conv net; each cell of the last feature
  grid is one annotation a_i ("the decoder attends over the grid"); summary = their mean.

``AttentionDecoder`` is one LSTM cell run step by step:

* ``attention=None`` (the baseline, Cho et al. 2014): the context is always the summary,
  fed to the cell at every step: s_i = f(s_{i−1}, [y_{i−1}; summary]).
* ``attention="additive"`` (Bahdanau et al. 2014): c_i = Σ_j α_ij h_j with α from
  e_ij = vᵀ tanh(W s_{i−1} + U h_j) (eqs. 5–6), then s_i = f(s_{i−1}, [y_{i−1}; c_i]) (eq. 4).
* ``attention`` in ("dot", "scaled-dot", "general", "concat") (Luong et al. 2015): s_i = f(s_{i−1},
  [y_{i−1}; h̃_{i−1}]) with input feeding (§3.3), else f(s_{i−1}, y_{i−1}); the context c_i
  comes from scores against the current s_i (eq. 8).

In every case the output is the attentional state h̃_i = tanh(W_c [c_i; s_i]) (Luong eq. 5)
and p(y_i | …) = softmax(W_s h̃_i) (eq. 6); the initial state is s_0 = tanh(W_init summary)
(Bahdanau A.2.2, with the whole summary). Token ids follow ``tinyaug.tasks.tokens``
(PAD 0, BOS 1, EOS 2).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..autograd import no_grad, ops, to_numpy
from ..autograd.tensor import Tensor, tensor
from ..errors import ShapeError
from ..nn import init
from ..nn.layers import Embedding, Linear
from ..nn.module import Module
from ..nn.attention import AdditiveAttention, make_attention
from ..nn.conv import Conv2d
from ..nn.lstm import LSTM, LSTMCell

PAD, BOS, EOS = 0, 1, 2


@dataclass
class EncoderMemory:
    keys: Tensor                 # (batch, source, key_size)
    mask: Tensor | None          # (batch, source) 0/1, None when every position is real
    summary: Tensor              # (batch, key_size)
    projected_keys: Tensor | None = None  # U h_j for additive attention, computed once

    def select(self, rows) -> "EncoderMemory":
        """The memory of batch rows ``rows`` (a backend int tensor), e.g. repeated for beams."""
        pick = lambda t: None if t is None else t[rows]  # noqa: E731
        return EncoderMemory(pick(self.keys), pick(self.mask), pick(self.summary), pick(self.projected_keys))


def _ids(values) -> Tensor:
    """Integer ids as a tensor on the default backend (host arrays are moved there)."""
    return values if isinstance(values, Tensor) else tensor(np.asarray(values, dtype=np.int64))


class BidirectionalEncoder(Module):
    """source ids (source_time, batch) and mask (source_time, batch) -> ``EncoderMemory`` with
    keys (batch, source_time, 2·hidden_size)."""

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        self.hidden_size, self.output_size = hidden_size, 2 * hidden_size
        self.embedding = Embedding(vocab_size, embedding_size, rng=rng)
        self.forward_lstm = LSTM(embedding_size, hidden_size, rng=rng)
        self.backward_lstm = LSTM(embedding_size, hidden_size, rng=rng)

    def forward(self, source, source_mask) -> EncoderMemory:
        source_host = np.asarray(to_numpy(source), dtype=np.int64)
        mask_host = np.asarray(to_numpy(source_mask), dtype=np.float64)
        if source_host.ndim != 2 or mask_host.shape != source_host.shape:
            raise ShapeError(f"BidirectionalEncoder: source and mask must both be (time, batch), got "
                             f"{source_host.shape} and {mask_host.shape}")
        steps, batch = source_host.shape
        lengths = mask_host.sum(axis=0).astype(np.int64)
        if (lengths < 1).any():
            raise ShapeError("BidirectionalEncoder: every source sequence needs at least one token")
        embedded = self.embedding(_ids(source_host))                       # (T, B, E)
        forward_states, _ = self.forward_lstm(embedded)                     # →h_j
        # Reverse each sequence within its own length (padding stays at the end), run the
        # backward LSTM, and put its outputs back in source order: ←h_j.
        time_index = np.arange(steps)[:, None]
        reversed_time = np.where(time_index < lengths[None, :], lengths[None, :] - 1 - time_index, time_index)
        columns = _ids(np.broadcast_to(np.arange(batch)[None, :], (steps, batch)))
        reversed_time = _ids(reversed_time)
        backward_states, _ = self.backward_lstm(embedded[reversed_time, columns])
        backward_states = backward_states[reversed_time, columns]
        annotations = ops.concatenate([forward_states, backward_states], axis=-1)  # h_j = [→h_j; ←h_j]
        last_forward = forward_states[_ids(lengths - 1), _ids(np.arange(batch))]
        summary = ops.concatenate([last_forward, backward_states[0]], axis=-1)
        mask = tensor(mask_host.T.astype(annotations.dtype))
        return EncoderMemory(ops.transpose(annotations, (1, 0, 2)), mask, summary)


class ConvEncoder(Module):
    """images (batch, height, width, channels) -> ``EncoderMemory`` whose keys are the cells of
    the last feature grid (batch, grid_h·grid_w, channels).

    Two coordinate channels (x and y in [−1, 1]) are appended to the image first, so that every
    annotation knows where it is ("CoordConv", Liu et al. 2018): "left to right" needs it."""

    def __init__(self, in_channels: int = 3, channels: tuple[int, ...] = (16, 32, 32),
                 strides: tuple[int, ...] = (1, 2, 2), rng: np.random.Generator | None = None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        self.layers = []
        previous = in_channels + 2
        for index, (width, stride) in enumerate(zip(channels, strides)):
            layer = Conv2d(previous, width, kernel_size=3, stride=stride, padding=1, rng=rng)
            setattr(self, f"conv{index}", layer)
            self.layers.append(layer)
            previous = width
        self.output_size = previous

    def feature_grid(self, images) -> Tensor:
        """The last feature map (batch, grid_h, grid_w, channels)."""
        images = images if isinstance(images, Tensor) else tensor(np.asarray(images))
        weight = self.layers[0].weight
        if images.dtype != weight.dtype:
            images = images.astype(weight.dtype)
        batch, height, width, _ = images.shape
        ys, xs = np.meshgrid(np.linspace(-1, 1, height), np.linspace(-1, 1, width), indexing="ij")
        coordinates = np.broadcast_to(np.stack([xs, ys], axis=-1), (batch, height, width, 2))
        features = ops.concatenate([images, tensor(coordinates.astype(weight.dtype))], axis=-1)
        for layer in self.layers:
            features = ops.relu(layer(features))
        return features

    def forward(self, images, mask=None) -> EncoderMemory:
        grid = self.feature_grid(images)
        batch, grid_h, grid_w, channels = grid.shape
        keys = ops.reshape(grid, (batch, grid_h * grid_w, channels))   # a_i, i = 1..L (Xu eq. 1)
        return EncoderMemory(keys, None, ops.mean(keys, axis=1))       # summary: mean annotation


class AttentionDecoder(Module):
    """The decoder described in the module docstring. ``step`` runs one time step; ``forward``
    a teacher-forced sequence."""

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int, key_size: int,
                 attention: str | None = "additive", attention_size: int = 64,
                 input_feeding: bool = True, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        if attention in ("dot", "scaled-dot") and hidden_size != key_size:
            raise ShapeError(f"AttentionDecoder: {attention} attention needs hidden_size == key_size, "
                             f"got {hidden_size} and {key_size}")
        self.attention_kind, self.input_feeding = attention, input_feeding
        self.hidden_size, self.key_size, self.vocab_size = hidden_size, key_size, vocab_size
        if attention is None or attention == "additive":
            self.feed_size = key_size          # the summary or the context c_i
        else:
            self.feed_size = hidden_size if input_feeding else 0   # h̃_{i−1}
        self.embedding = Embedding(vocab_size, embedding_size, rng=rng)
        self.cell = LSTMCell(embedding_size + self.feed_size, hidden_size, rng=rng)
        self.initial = Linear(key_size, hidden_size, rng=rng)                 # s_0 = tanh(W_init summary)
        self.attention = (make_attention(attention, hidden_size, key_size, attention_size, rng=rng)
                          if attention else None)
        self.combine = Linear(key_size + hidden_size, hidden_size, rng=rng)   # W_c (Luong eq. 5)
        self.readout = Linear(hidden_size, vocab_size, rng=rng)               # W_s (Luong eq. 6)

    def prepare(self, memory: EncoderMemory) -> EncoderMemory:
        """Precompute what every step reuses (U h_j for additive attention)."""
        if isinstance(self.attention, AdditiveAttention) and memory.projected_keys is None:
            memory.projected_keys = self.attention.project_keys(memory.keys)
        return memory

    def initial_state(self, memory: EncoderMemory) -> tuple:
        """(s, c, feed): s_0 = tanh(W_init summary), c_0 = 0, feed = zeros (Luong feeding) or None."""
        hidden = ops.tanh(self.initial(memory.summary))
        cell = hidden * 0.0
        feed = None
        if self.attention_kind not in (None, "additive") and self.input_feeding:
            feed = hidden * 0.0
        return hidden, cell, feed

    def step(self, previous_ids, state: tuple, memory: EncoderMemory,
             context_override: Tensor | None = None) -> tuple[Tensor, tuple, Tensor | None]:
        """previous_ids (batch,) -> (logits (batch, vocab), new state, weights (batch, source) or None).

        ``context_override`` (batch, key_size), for ablations only: used in place of the
        attended context c_i everywhere it enters (the attention weights are still returned)."""
        embedded = self.embedding(_ids(previous_ids))
        hidden, cell, feed = state
        weights = None
        if self.attention is None:
            context = memory.summary if context_override is None else context_override
            output, (hidden, cell) = self.cell(ops.concatenate([embedded, context], axis=-1), (hidden, cell))
        elif self.attention_kind == "additive":
            context, weights = self.attention(hidden, memory.keys, mask=memory.mask,      # Bahdanau eqs. 5–6
                                              projected_keys=memory.projected_keys)
            if context_override is not None:
                context = context_override
            output, (hidden, cell) = self.cell(ops.concatenate([embedded, context], axis=-1),  # eq. 4
                                               (hidden, cell))
        else:
            cell_input = ops.concatenate([embedded, feed], axis=-1) if feed is not None else embedded
            output, (hidden, cell) = self.cell(cell_input, (hidden, cell))
            context, weights = self.attention(hidden, memory.keys, mask=memory.mask)        # Luong eq. 7
        if context_override is not None:
            context = context_override
        attentional = ops.tanh(self.combine(ops.concatenate([context, hidden], axis=-1)))  # Luong eq. 5
        logits = self.readout(attentional)                                                # Luong eq. 6
        new_feed = attentional if feed is not None else None                              # input feeding
        return logits, (hidden, cell, new_feed), weights

    def forward(self, decoder_inputs, memory: EncoderMemory) -> tuple[Tensor, Tensor | None]:
        """Teacher forcing: decoder_inputs (target_time, batch) ids (BOS, y_1, ...) ->
        logits (target_time, batch, vocab), weights (target_time, batch, source) or None."""
        inputs_host = np.asarray(to_numpy(decoder_inputs), dtype=np.int64)
        memory = self.prepare(memory)
        state = self.initial_state(memory)
        all_logits, all_weights = [], []
        for t in range(inputs_host.shape[0]):
            logits, state, weights = self.step(inputs_host[t], state, memory)
            all_logits.append(logits)
            all_weights.append(weights)
        stacked_weights = ops.stack(all_weights, axis=0) if self.attention is not None else None
        return ops.stack(all_logits, axis=0), stacked_weights


def _select_state(state: tuple, rows: Tensor) -> tuple:
    return tuple(None if s is None else s[rows] for s in state)


class EncoderDecoder(Module):
    """An encoder (``BidirectionalEncoder`` or ``ConvEncoder``) and an ``AttentionDecoder``.

    ``forward(source, source_mask, decoder_inputs)`` -> (logits (T, B, V), weights (T, B, S)
    or None); ``loss(batch)``; ``greedy(source, source_mask, max_length)``;
    ``beam_search(source, source_mask, max_length, beam_size)``.
    """

    def __init__(self, encoder: Module, decoder: AttentionDecoder) -> None:
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def forward(self, source, source_mask, decoder_inputs) -> tuple[Tensor, Tensor | None]:
        return self.decoder(decoder_inputs, self.encoder(source, source_mask))

    def loss(self, batch) -> tuple[Tensor, Tensor, Tensor | None]:
        """Masked cross-entropy per target token (nats), with the logits and weights."""
        logits, weights = self(batch.source, batch.source_mask, batch.decoder_inputs())
        loss = ops.cross_entropy(logits, tensor(batch.target), mask=tensor(batch.target_mask.astype(logits.dtype)))
        return loss, logits, weights

    def greedy(self, source, source_mask, max_length: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Greedy decoding: host ids (max_length, batch) (PAD after EOS) and host weights
        (max_length, batch, source) or None."""
        with no_grad():
            memory = self.decoder.prepare(self.encoder(source, source_mask))
            batch = memory.summary.shape[0]
            state = self.decoder.initial_state(memory)
            previous = np.full(batch, BOS, dtype=np.int64)
            finished = np.zeros(batch, dtype=bool)
            ids, weights_per_step = [], []
            for _ in range(max_length):
                logits, state, weights = self.decoder.step(previous, state, memory)
                choice = to_numpy(logits).argmax(axis=-1)
                choice = np.where(finished, PAD, choice)
                ids.append(choice)
                if weights is not None:
                    weights_per_step.append(to_numpy(weights))
                finished |= choice == EOS
                previous = np.where(choice == PAD, EOS, choice)
                if finished.all():
                    break
        ids = np.stack(ids)
        if len(ids) < max_length:
            ids = np.concatenate([ids, np.full((max_length - len(ids), batch), PAD, dtype=np.int64)])
        weights_out = np.stack(weights_per_step) if weights_per_step else None
        return ids, weights_out

    def beam_search(self, source, source_mask, max_length: int, beam_size: int = 4,
                    length_penalty: float = 0.0) -> np.ndarray:
        """Beam search: host ids (max_length, batch) of the best finished hypothesis per row.

        Scores are summed log-probabilities, divided by length^``length_penalty`` when ranking
        the final beams. A finished beam carries its score unchanged (it may only emit PAD)."""
        with no_grad():
            memory = self.decoder.prepare(self.encoder(source, source_mask))
            batch = memory.summary.shape[0]
            repeat = _ids(np.repeat(np.arange(batch), beam_size))
            memory = memory.select(repeat)
            state = self.decoder.initial_state(memory)
            scores = np.full((batch, beam_size), -np.inf)
            scores[:, 0] = 0.0                      # all beams start identical: keep one alive
            finished = np.zeros((batch, beam_size), dtype=bool)
            lengths = np.zeros((batch, beam_size))
            tokens_per_step, origins_per_step = [], []
            previous = np.full(batch * beam_size, BOS, dtype=np.int64)
            for _ in range(max_length):
                logits, state, _ = self.decoder.step(previous, state, memory)
                log_probs = to_numpy(ops.log_softmax(logits, axis=-1)).astype(np.float64)
                vocab = log_probs.shape[-1]
                log_probs = log_probs.reshape(batch, beam_size, vocab)
                carried = np.full(vocab, -np.inf)
                carried[PAD] = 0.0
                log_probs = np.where(finished[:, :, None], carried, log_probs)
                total = (scores[:, :, None] + log_probs).reshape(batch, beam_size * vocab)
                best = np.argsort(-total, axis=1, kind="stable")[:, :beam_size]
                origin, token = best // vocab, best % vocab
                scores = np.take_along_axis(total, best, axis=1)
                was_finished = np.take_along_axis(finished, origin, axis=1)
                lengths = np.take_along_axis(lengths, origin, axis=1) + ~was_finished
                finished = was_finished | (token == EOS)
                tokens_per_step.append(token)
                origins_per_step.append(origin)
                rows = _ids((np.arange(batch)[:, None] * beam_size + origin).ravel())
                state = _select_state(state, rows)
                previous = np.where(token == PAD, EOS, token).ravel()
                if finished.all():
                    break
        ranking = scores / np.maximum(lengths, 1.0) ** length_penalty
        beam = np.argmax(np.where(finished, ranking, ranking - 1e9), axis=1)
        steps = len(tokens_per_step)
        ids = np.full((max_length, batch), PAD, dtype=np.int64)
        for t in range(steps - 1, -1, -1):      # follow the back-pointers
            ids[t] = tokens_per_step[t][np.arange(batch), beam]
            beam = origins_per_step[t][np.arange(batch), beam]
        return ids


def seq2seq(source_vocab_size: int, target_vocab_size: int, embedding_size: int = 32,
            hidden_size: int = 64, attention: str | None = "additive", attention_size: int = 64,
            input_feeding: bool = True, rng: np.random.Generator | None = None) -> EncoderDecoder:
    """A bidirectional-LSTM encoder (``hidden_size`` per direction) and a decoder of
    2·``hidden_size`` units; ``attention=None`` is the fixed-vector baseline."""
    rng = rng or init.default_rng()
    encoder = BidirectionalEncoder(source_vocab_size, embedding_size, hidden_size, rng=rng)
    decoder = AttentionDecoder(target_vocab_size, embedding_size, 2 * hidden_size, encoder.output_size,
                               attention=attention, attention_size=attention_size,
                               input_feeding=input_feeding, rng=rng)
    return EncoderDecoder(encoder, decoder)


def captioner(target_vocab_size: int, embedding_size: int = 16, hidden_size: int = 64,
              channels: tuple[int, ...] = (16, 32, 32), attention: str = "additive",
              attention_size: int = 32, input_feeding: bool = True,
              rng: np.random.Generator | None = None) -> EncoderDecoder:
    """Show-Attend-and-Tell-style captioner: ``ConvEncoder`` + attending ``AttentionDecoder``
    (``input_feeding`` applies to the Luong scores only, as in ``AttentionDecoder``)."""
    rng = rng or init.default_rng()
    encoder = ConvEncoder(3, channels, rng=rng)
    decoder = AttentionDecoder(target_vocab_size, embedding_size, hidden_size, encoder.output_size,
                               attention=attention, attention_size=attention_size,
                               input_feeding=input_feeding, rng=rng)
    return EncoderDecoder(encoder, decoder)


__all__ = ["AttentionDecoder", "BidirectionalEncoder", "ConvEncoder", "EncoderDecoder",
           "EncoderMemory", "captioner", "seq2seq"]
