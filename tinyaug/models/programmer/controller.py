"""Controller pieces shared by the arithmetic and the table Neural Programmer.

Neelakantan, Le & Sutskever 2015, §2.1–2.2: a question RNN reads the words,
``z_i = tanh(W^question [z_{i−1}; V(w_i)])`` (eq. 1), and ``q = z_Q`` is the question
representation; a history RNN ``h_t = tanh(W^history [c_t; h_{t−1}])`` (eq. 4) reads, at each
step, the previous step's selections ``c_t`` (weighted operation and column embeddings).

Beyond the 2015 paper (an assumption of ours, marked where used): each step also attends over
the question's hidden states and word embeddings (the later 2017 version of the model does
this); it makes multi-column questions, which name up to three columns, learnable by a small
controller on a CPU budget.
"""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor
from ...nn import Embedding, Module
from ...nn.rnn import RNNCell

NEGATIVE = -1e4  # added to the logits of padded positions; exp underflows to exactly 0


def masked_softmax(logits: Tensor, mask) -> Tensor:
    """softmax over the last axis where ``mask`` (same shape, 0/1 host or backend array) is 1."""
    xp = logits.xp
    mask_data = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
    penalty = Tensor(((1.0 - mask_data) * NEGATIVE).astype(logits.dtype))
    return ops.softmax(logits + penalty, axis=-1)


def one_hot_argmax(weights: Tensor, mask=None) -> Tensor:
    """The argmax of each row as a one-hot constant (greedy execution at test time)."""
    xp = weights.xp
    data = weights.data
    if mask is not None:
        data = xp.where(xp.asarray(mask) > 0, data, -1.0)
    index = data.argmax(axis=-1)
    return Tensor((xp.arange(data.shape[-1]) == index[..., None]).astype(weights.dtype))


class QuestionEncoder(Module):
    """Word embeddings V and the question RNN (eq. 1).

    ``forward(word_ids (B, L), word_mask (B, L))`` -> ``(states (B, L, H), embedded (B, L, E),
    q (B, H))``; padding (left) leaves the state at zero, so ``q`` is the state after the last word.
    """

    def __init__(self, vocabulary_size: int, embedding_size: int, hidden_size: int,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.words = Embedding(vocabulary_size, embedding_size, rng=rng)
        self.rnn = RNNCell(embedding_size, hidden_size, rng=rng)
        self.hidden_size, self.embedding_size = hidden_size, embedding_size

    def forward(self, word_ids, word_mask):
        xp = self.rnn.weight_input.xp
        return self.read(self.words(xp.asarray(word_ids)), word_mask)

    def read(self, embedded: Tensor, word_mask):
        """The question RNN over given word embeddings (B, L, E): ``(states, embedded, q)``."""
        xp = self.rnn.weight_input.xp
        mask = xp.asarray(word_mask).astype(self.rnn.weight_input.dtype)
        state = self.rnn.initial_state(embedded.shape[0])
        states = []
        for position in range(embedded.shape[1]):
            _, new_state = self.rnn(embedded[:, position], state)
            keep = Tensor(mask[:, position:position + 1])
            state = keep * new_state + (1.0 - keep) * state  # padded words leave z unchanged
            states.append(state)
        return ops.stack(states, axis=1), embedded, state


def attend(keys: Tensor, query: Tensor, mask) -> tuple[Tensor, Tensor]:
    """Dot-product attention: weights_i = softmax_i(keys_i · query) over unmasked i.
    ``keys`` (B, N, D), ``query`` (B, D) -> (weights (B, N), read (B, D))."""
    scores = ops.einsum("bnd,bd->bn", keys, query)
    weights = masked_softmax(scores, mask)
    return weights, ops.einsum("bn,bnd->bd", weights, keys)


def gather_positions(states: Tensor, positions) -> Tensor:
    """states[b, positions[b, k]] -> (B, K, H): the question state at each number."""
    xp = states.xp
    positions = xp.asarray(positions)
    batch_index = xp.arange(positions.shape[0])[:, None]
    return states[batch_index, positions]
