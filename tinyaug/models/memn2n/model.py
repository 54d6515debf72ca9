"""End-to-end memory network, MemN2N (Sukhbaatar, Szlam, Weston & Fergus, NIPS 2015).

One hop k = 1..K over memories built from the facts x_1..x_n (each a sentence):

    m_i = Σ_j l_j ∘ A^k x_ij + T_A^k(i)      input memories (§2.1; PE and TE, §4.1)
    c_i = Σ_j l_j ∘ C^k x_ij + T_C^k(i)      output memories
    p_i = softmax(u^kᵀ m_i)                   attention over memories (eq. 1)
    o^k = Σ_i p_i c_i                         the response (eq. 2)
    u^{k+1} = u^k + o^k                       next query (§2.2)
    â = softmax(W u^{K+1})                    answer (eq. 3, with o^K + u^K = u^{K+1})

with u^1 = Σ_j l_j ∘ B q_j the question. Adjacent weight tying (§2.2): A^{k+1} = C^k and
B = A^1, so K hops use K + 1 embedding matrices E_0..E_K (A^k = E_{k−1}, C^k = E_k), and the
temporal matrices likewise (T_A^{k+1} = T_C^k). The paper also ties W^T = C^K; here answers are
classes (some are several words, 'n,w'), so W is its own (d, answers) matrix. Linear start
(LS, §4.2): without the softmax of eq. 1 (p = uᵀm on present memories) until it is switched on.

Layer-wise tying (``weight_tying="layerwise"``, §2.2, "RNN-like"): one input embedding A and
one output embedding C for every hop (A^1 = ... = A^K, C^1 = ... = C^K, with their temporal
matrices T_A, T_C), the question's own B, and a learnt linear map H between hops:
u^{k+1} = H u^k + o^k.

``hop_nonlinearity="relu"`` (off by default) makes the update u^{k+1} = ReLU(u^k + o^k), as
the option ``add_nonlin`` of the authors' released MATLAB code does (a ReLU after each hop's
sum, the last one included); ``"relu-half"`` applies it to the first d/2 units only, the
rest staying linear (the paper's 10k-question results used a ReLU on part of the units between
hops, as we read its table's note; the equations above have linear hops).
"""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor, tensor, to_numpy
from ...errors import ShapeError
from ...nn import init
from ...nn.layers import make_parameter
from ...nn.module import Module
from .encoding import position_weights, recency_indices

#: Update rules between hops: u^{k+1} = f(u^k + o^k).
HOP_NONLINEARITIES = ("none", "relu", "relu-half")
#: Weight tying across hops (§2.2).
WEIGHT_TYINGS = ("adjacent", "layerwise")
#: Added to the attention scores of empty memory slots (exp underflows to exactly 0).
_EMPTY_SCORE = -1e9


class MemN2N(Module):
    """facts (N, M, L), fact_mask (N, M), question (N, Lq) word ids -> answer logits (N, answers).

    ``vocabulary_size`` counts id 0 (no word); ``memory_size`` M the slots; ``temporal_size``
    the rows of each temporal matrix (≥ M; larger leaves room for random-noise gaps)."""

    def __init__(self, vocabulary_size: int, answer_count: int, embedding_dim: int = 20,
                 hops: int = 3, memory_size: int = 50, temporal_size: int | None = None,
                 position_encoding: bool = True, temporal_encoding: bool = True,
                 hop_nonlinearity: str = "none", weight_tying: str = "adjacent",
                 rng: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        rng = rng or init.default_rng()
        if hops < 1 or embedding_dim < 1 or memory_size < 1:
            raise ValueError(f"MemN2N: hops, embedding_dim and memory_size must be >= 1, got "
                             f"{hops}, {embedding_dim}, {memory_size}")
        if hop_nonlinearity not in HOP_NONLINEARITIES:
            raise ValueError(f"MemN2N: hop_nonlinearity must be one of {HOP_NONLINEARITIES}, "
                             f"got {hop_nonlinearity!r}")
        if weight_tying not in WEIGHT_TYINGS:
            raise ValueError(f"MemN2N: weight_tying must be one of {WEIGHT_TYINGS}, "
                             f"got {weight_tying!r}")
        self.hop_nonlinearity, self.weight_tying = hop_nonlinearity, weight_tying
        self.vocabulary_size, self.answer_count = vocabulary_size, answer_count
        self.embedding_dim, self.hops, self.memory_size = embedding_dim, hops, memory_size
        self.temporal_size = max(temporal_size or memory_size, memory_size)
        self.position_encoding, self.temporal_encoding = position_encoding, temporal_encoding
        # Parameters drawn from N(0, 0.1²) (§4.2). E_0..E_K, T_0..T_K: adjacent tying (§2.2);
        # layer-wise: E_0 = B, E_1 = A, E_2 = C (T_1 = T_A, T_2 = T_C; T_0 unused, not made).
        for k in range(hops + 1 if weight_tying == "adjacent" else 3):
            setattr(self, f"embedding_{k}", make_parameter(
                rng.normal(0.0, 0.1, (vocabulary_size, embedding_dim)), dtype))
            if temporal_encoding and (weight_tying == "adjacent" or k > 0):
                setattr(self, f"temporal_{k}", make_parameter(
                    rng.normal(0.0, 0.1, (self.temporal_size, embedding_dim)), dtype))
        if weight_tying == "layerwise":                                   # H, §2.2
            self.hop_map = make_parameter(rng.normal(0.0, 0.1, (embedding_dim, embedding_dim)), dtype)
        self.answer_weight = make_parameter(rng.normal(0.0, 0.1, (embedding_dim, answer_count)), dtype)

    def embedding(self, k: int) -> Tensor:
        return getattr(self, f"embedding_{k}")

    def _constant(self, array: np.ndarray, dtype=None) -> Tensor:
        reference = self.answer_weight
        return tensor(array, dtype=dtype or reference.dtype, backend=reference.backend.name)

    def _encode(self, one_hot: Tensor, weights: Tensor, k: int) -> Tensor:
        """Σ_j l_j ∘ E_k x_j from the words as one-hot rows ``one_hot`` (N·...·L, V) and the
        weights (..., L, d) -> (..., d). The lookup is a matmul against E_k (rather than an
        index), so E_k's gradient is one matmul too instead of a scatter-add per word."""
        vectors = ops.reshape(one_hot @ self.embedding(k), *weights.shape)     # E_k x_j, (..., L, d)
        return ops.sum(vectors * weights, axis=-2)

    def _one_hot(self, ids: np.ndarray, classes: int) -> Tensor:
        """``ids`` (...) -> one-hot rows (ids.size, classes) in the parameters' dtype."""
        flat = ids.reshape(-1)
        rows = np.zeros((flat.size, classes), dtype=self.answer_weight.dtype)
        rows[np.arange(flat.size), flat] = 1
        return self._constant(rows)

    def _temporal(self, k: int, time_rows: Tensor, shape: tuple) -> Tensor:
        """T_k(i) for every slot: one-hot time rows (N·M, T) @ T_k -> (N, M, d)."""
        return ops.reshape(time_rows @ getattr(self, f"temporal_{k}"), *shape, self.embedding_dim)

    def forward(self, facts: np.ndarray, fact_mask: np.ndarray, question: np.ndarray,
                temporal: np.ndarray | None = None, linear: bool = False,
                trace: dict | None = None) -> Tensor:
        """``temporal`` (N, M) indices of T (default: recency, see ``recency_indices``);
        ``linear``: linear start (no softmax in eq. 1); ``trace``: a dict that receives
        ``attention`` (hops, N, M), host arrays."""
        facts, fact_mask, question = (np.asarray(a) for a in (facts, fact_mask, question))
        name = f"MemN2N(vocabulary {self.vocabulary_size}, memory {self.memory_size})"
        if facts.ndim != 3 or fact_mask.shape != facts.shape[:2] or question.ndim != 2 \
                or question.shape[0] != facts.shape[0] or facts.shape[1] > self.memory_size:
            raise ShapeError(f"{name}: need facts (N, M ≤ {self.memory_size}, L), fact_mask "
                             f"(N, M), question (N, Lq); got {facts.shape}, {fact_mask.shape}, "
                             f"{question.shape}")
        if facts.size and (facts.max() >= self.vocabulary_size or question.max() >= self.vocabulary_size):
            raise ShapeError(f"{name}: word ids must be < {self.vocabulary_size}")
        if temporal is None:
            temporal = recency_indices(fact_mask)
        if temporal.shape != fact_mask.shape or temporal.max(initial=0) >= self.temporal_size:
            raise ShapeError(f"{name}: temporal indices must be (N, M) in [0, {self.temporal_size}), "
                             f"got shape {temporal.shape}, max {temporal.max(initial=0)}")
        d = self.embedding_dim
        fact_rows = self._one_hot(facts, self.vocabulary_size)
        question_rows = self._one_hot(question, self.vocabulary_size)
        time_rows = self._one_hot(temporal, self.temporal_size)
        fact_weights = self._constant(position_weights(facts, d, self.position_encoding))
        question_weights = self._constant(position_weights(question, d, self.position_encoding))
        present = self._constant(fact_mask)
        empty_scores = self._constant((1.0 - fact_mask) * _EMPTY_SCORE)

        layerwise = self.weight_tying == "layerwise"
        if self.hop_nonlinearity == "relu-half":                              # units < d/2
            first_half = self._constant((np.arange(d) < d // 2).astype(np.float64))

        def facts_encoded(k: int) -> Tensor:                                 # Σ l ∘ E_k x + T_k(i)
            encoded = self._encode(fact_rows, fact_weights, k)
            if self.temporal_encoding:
                encoded = encoded + self._temporal(k, time_rows, fact_mask.shape)
            return encoded

        query = self._encode(question_rows, question_weights, 0)             # u^1 = Σ l ∘ B q
        memories = facts_encoded(1 if layerwise else 0)                      # m_i: A^1 (= E_0 adjacent)
        outputs = facts_encoded(2) if layerwise else None                    # layer-wise: C, every hop
        attentions = []
        for k in range(1, self.hops + 1):
            if not layerwise:
                outputs = facts_encoded(k)                                  # C^k = E_k (+ T_C^k)
            scores = ops.einsum("nmd,nd->nm", memories, query)               # u^kᵀ m_i
            if linear:
                attention = scores * present                                # LS: no softmax
            else:
                attention = ops.softmax(scores + empty_scores, axis=-1)     # eq. 1
            response = ops.einsum("nm,nmd->nd", attention, outputs)          # o^k, eq. 2
            if layerwise:
                query = ops.einsum("nd,ed->ne", query, self.hop_map) + response  # u^{k+1} = H u^k + o^k
            else:
                query = query + response                                    # u^{k+1}, §2.2
            if self.hop_nonlinearity == "relu":
                query = ops.relu(query)                                     # released code's add_nonlin
            elif self.hop_nonlinearity == "relu-half":
                query = query + (ops.relu(query) - query) * first_half      # ReLU on units < d/2
            if not layerwise:
                memories = outputs                                          # A^{k+1} = C^k
            attentions.append(attention)
        if trace is not None:
            trace["attention"] = np.stack([to_numpy(a.data) for a in attentions])
        return query @ self.answer_weight                                   # eq. 3 (logits)

    def extra_repr(self) -> str:
        return (f"vocabulary={self.vocabulary_size}, answers={self.answer_count}, "
                f"d={self.embedding_dim}, hops={self.hops}, memory={self.memory_size}, "
                f"PE={self.position_encoding}, TE={self.temporal_encoding}, "
                f"hop_nonlinearity={self.hop_nonlinearity}, tying={self.weight_tying}")
