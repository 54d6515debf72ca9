"""NTM addressing (Graves, Wayne & Danihelka 2014, §3.3): content focus, interpolation,
convolutional shift and sharpening, batched over (batch, heads).

Two implementations of the same chain:

* ``address_composite``: engine ops, one per equation (the readable reference);
* ``address`` / ``FusedAddressing``: the whole chain as one ``Function`` with a hand-written
  backward (one graph node per step instead of ~15), tested against the composite to 1e-10.

Both take the head's raw (pre-activation) parameters packed along the last axis of
``head_params`` (batch, heads, W + 3 + K), in the order given by ``split_head_params``:
``[key (W) | β̂ | ĝ | γ̂ | ŝ (K)]``, and apply the activations of §3.3:
β = softplus(β̂) ≥ 0, g = σ(ĝ), γ = 1 + softplus(γ̂) ≥ 1, s = softmax(ŝ).

Numerical care: cosine similarity has an ε in its denominator, so all-zero memory rows give
similarity 0 (never NaN); sharpening is computed as softmax(γ log(w̃ + ε)), which equals
w̃^γ / Σ w̃^γ up to ε but cannot underflow to 0/0 in float32.
"""
from __future__ import annotations

from ...autograd import ops
from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...errors import ShapeError

COSINE_EPS = 1e-8       # K(u, v) = u·v / (‖u‖‖v‖ + ε)
SHARPEN_EPS = 1e-12     # log(w̃ + ε) in the sharpening step


def head_param_size(word_size: int, shift_width: int) -> int:
    """Length of one head's packed addressing parameters: key, β̂, ĝ, γ̂, shift logits."""
    return word_size + 3 + shift_width


def split_head_params(head_params: Tensor, word_size: int):
    """Unpack (batch, heads, W + 3 + K) into key (B, H, W), β̂, ĝ, γ̂ (B, H), ŝ (B, H, K)."""
    key = head_params[:, :, :word_size]
    beta_raw = head_params[:, :, word_size]
    gate_raw = head_params[:, :, word_size + 1]
    gamma_raw = head_params[:, :, word_size + 2]
    shift_raw = head_params[:, :, word_size + 3:]
    return key, beta_raw, gate_raw, gamma_raw, shift_raw


def _check(op: str, memory, head_params, previous_weights) -> None:
    if memory.ndim != 3 or head_params.ndim != 3 or previous_weights.ndim != 3:
        raise ShapeError(f"{op}: expected memory (batch, N, W), head_params (batch, heads, W+3+K) "
                         f"and previous_weights (batch, heads, N); got {tuple(memory.shape)}, "
                         f"{tuple(head_params.shape)}, {tuple(previous_weights.shape)}")
    batch, rows, word = memory.shape
    shift_width = head_params.shape[2] - word - 3
    if (head_params.shape[0] != batch or previous_weights.shape[0] != batch
            or previous_weights.shape[1] != head_params.shape[1] or previous_weights.shape[2] != rows
            or shift_width < 1 or shift_width % 2 == 0 or shift_width > rows):
        raise ShapeError(f"{op}: memory {tuple(memory.shape)}, head_params "
                         f"{tuple(head_params.shape)}, previous_weights {tuple(previous_weights.shape)}: "
                         f"need matching batch and heads, N = {rows} rows, and W + 3 + K parameters "
                         f"with an odd shift width 1 ≤ K ≤ N (W = {word}, K = {shift_width})")


def content_weighting(memory: Tensor, keys: Tensor, strengths: Tensor) -> Tensor:
    """Content weights softmax_i(β K(k, M(i))) (eqs. 5–6), K the cosine similarity with ε:
    memory (B, N, W), keys (B, H, W), strengths β (B, H) -> (B, H, N). Shared with the DNC."""
    # eq. 6: K(k, M(i)) for every head and row, broadcasting (B, H, 1, W) against (B, 1, N, W)
    similarity = ops.cosine_similarity(keys[:, :, None, :], memory[:, None, :, :], axis=-1,
                                       eps=COSINE_EPS)
    return ops.softmax(strengths[:, :, None] * similarity, axis=-1)             # eq. 5


def address_composite(memory: Tensor, head_params: Tensor, previous_weights: Tensor) -> Tensor:
    """Weightings w_t (batch, heads, N) from memory (batch, N, W), packed raw head parameters
    (batch, heads, W + 3 + K) and w_{t−1} (batch, heads, N), from engine ops (eqs. 5–9)."""
    _check("address_composite", memory, head_params, previous_weights)
    key, beta_raw, gate_raw, gamma_raw, shift_raw = split_head_params(head_params, memory.shape[2])
    beta = ops.softplus(beta_raw)[:, :, None]                                   # β ≥ 0
    gate = ops.sigmoid(gate_raw)[:, :, None]                                    # g ∈ (0, 1)
    gamma = 1.0 + ops.softplus(gamma_raw)[:, :, None]                           # γ ≥ 1
    shift = ops.softmax(shift_raw, axis=-1)                                     # s, Σ s = 1
    content_weights = content_weighting(memory, key, beta[:, :, 0])             # eqs. 5–6
    gated = gate * content_weights + (1.0 - gate) * previous_weights            # eq. 7
    shifted = ops.circular_convolution(gated, shift)                            # eq. 8
    return ops.softmax(gamma * ops.log(shifted + SHARPEN_EPS), axis=-1)         # eq. 9


class FusedAddressing(Function):
    """The addressing chain of ``address_composite`` as one op (forward and backward by hand).

    Inputs: memory (B, N, W), head_params (B, H, W + 3 + K), previous_weights (B, H, N).
    Output: weightings (B, H, N). Zero-norm keys or rows take d‖u‖/du = 0 (as
    ``CosineSimilarity`` does), so fresh all-zero memory has finite gradients.
    """

    def forward(self, memory, head_params, previous_weights):
        xp = self.xp
        _check("FusedAddressing", memory, head_params, previous_weights)
        word = memory.shape[2]
        rows = memory.shape[1]
        key = head_params[:, :, :word]
        beta_raw, gate_raw, gamma_raw = (head_params[:, :, word + i] for i in range(3))
        shift_raw = head_params[:, :, word + 3:]
        shift_width = shift_raw.shape[-1]
        beta = xp.logaddexp(0, beta_raw)[:, :, None]
        gate = (0.5 * (xp.tanh(0.5 * gate_raw) + 1))[:, :, None]
        gamma = 1 + xp.logaddexp(0, gamma_raw)[:, :, None]
        shift = xp.exp(shift_raw - shift_raw.max(axis=-1, keepdims=True))
        shift = shift / shift.sum(axis=-1, keepdims=True)
        # eq. 6: cosine similarity of each key with each row
        key_norm = xp.sqrt((key * key).sum(axis=-1))[:, :, None]                 # (B, H, 1)
        # (M ∘ M) @ 1 rather than .sum(-1): NumPy reduces a short last axis ~4× slower than BLAS
        row_norm = xp.sqrt((memory * memory) @ xp.ones(word, dtype=memory.dtype))[:, None, :]  # (B, 1, N)
        dot = key @ xp.swapaxes(memory, 1, 2)                                    # (B, H, N)
        denominator = key_norm * row_norm + COSINE_EPS
        similarity = dot / denominator
        # eq. 5: content weights
        scores = beta * similarity
        content = xp.exp(scores - scores.max(axis=-1, keepdims=True))
        content = content / content.sum(axis=-1, keepdims=True)
        # eq. 7: interpolation with the previous weighting
        gated = gate * content + (1 - gate) * previous_weights
        # eq. 8: circular convolution; rolled[..., k, i] = gated[..., (i − shift_k) mod N]
        offsets = xp.arange(shift_width) - (shift_width - 1) // 2
        positions = xp.arange(rows)
        gather = (positions[None, :] - offsets[:, None]) % rows
        rolled = gated[..., gather]                                              # (B, H, K, N)
        shifted = (shift[..., :, None] * rolled).sum(axis=-2)
        # eq. 9: sharpening as softmax(γ log(w̃ + ε))
        log_shifted = xp.log(shifted + SHARPEN_EPS)
        sharp = gamma * log_shifted
        weights = xp.exp(sharp - sharp.max(axis=-1, keepdims=True))
        weights = weights / weights.sum(axis=-1, keepdims=True)
        self.saved = (memory, key, beta_raw, gate_raw, gamma_raw, beta, gate, gamma, shift,
                      key_norm, row_norm, denominator, similarity, content, previous_weights,
                      rolled, shifted, log_shifted, weights, offsets, positions)
        return weights

    def backward(self, grad):
        xp = self.xp
        (memory, key, beta_raw, gate_raw, gamma_raw, beta, gate, gamma, shift, key_norm,
         row_norm, denominator, similarity, content, previous_weights, rolled, shifted,
         log_shifted, weights, offsets, positions) = self.saved
        rows = memory.shape[1]
        need_memory, need_params, need_previous = self.needs_input_grad
        # eq. 9 backward: softmax, then the two factors of γ log(w̃ + ε)
        grad_sharp = weights * (grad - (grad * weights).sum(axis=-1, keepdims=True))
        grad_gamma = (grad_sharp * log_shifted).sum(axis=-1)                     # (B, H)
        grad_shifted = grad_sharp * gamma / (shifted + SHARPEN_EPS)
        # eq. 8 backward: d gated[j] = Σ_k s_k d w̃[(j + shift_k) mod N]
        scatter = (positions[None, :] + offsets[:, None]) % rows
        grad_gated = (shift[..., :, None] * grad_shifted[..., scatter]).sum(axis=-2)
        grad_shift = (grad_shifted[..., None, :] * rolled).sum(axis=-1)          # (B, H, K)
        grad_shift_raw = shift * (grad_shift - (grad_shift * shift).sum(axis=-1, keepdims=True))
        # eq. 7 backward
        grad_gate = (grad_gated * (content - previous_weights)).sum(axis=-1)
        grad_previous = (1 - gate) * grad_gated if need_previous else None
        grad_content = gate * grad_gated
        # eq. 5 backward
        grad_scores = content * (grad_content - (grad_content * content).sum(axis=-1, keepdims=True))
        grad_beta = (grad_scores * similarity).sum(axis=-1)
        grad_similarity = grad_scores * beta
        # eq. 6 backward: K = dot / (‖k‖‖M(i)‖ + ε)
        grad_dot = grad_similarity / denominator
        grad_denominator = -grad_similarity * similarity / denominator           # (B, H, N)
        tiny = xp.finfo(memory.dtype).tiny
        grad_memory = grad_params = None
        if need_memory:
            grad_row_norm = (grad_denominator * key_norm).sum(axis=1)            # (B, N)
            grad_memory = (xp.swapaxes(grad_dot, 1, 2) @ key
                           + (grad_row_norm / xp.maximum(row_norm[:, 0, :], tiny))[..., None] * memory)
        if need_params:
            grad_key_norm = (grad_denominator * row_norm).sum(axis=-1, keepdims=True)   # (B, H, 1)
            grad_key = grad_dot @ memory + grad_key_norm / xp.maximum(key_norm, tiny) * key
            sigmoid = lambda z: 0.5 * (xp.tanh(0.5 * z) + 1)                     # noqa: E731
            gate_value = gate[:, :, 0]
            grad_params = xp.concatenate([
                grad_key,
                (grad_beta * sigmoid(beta_raw))[..., None],                      # softplus' = σ
                (grad_gate * gate_value * (1 - gate_value))[..., None],
                (grad_gamma * sigmoid(gamma_raw))[..., None],
                grad_shift_raw], axis=-1)
        return grad_memory, grad_params, grad_previous


def address(memory: Tensor, head_params: Tensor, previous_weights: Tensor) -> Tensor:
    """Weightings (batch, heads, N) by the fused addressing op; same numbers as
    ``address_composite`` (see there for the arguments)."""
    return FusedAddressing.apply(memory, head_params, previous_weights)
