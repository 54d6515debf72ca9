"""HIPS autograd peers: the LSTM and the NTM written in ``autograd.numpy`` and differentiated by
``autograd.value_and_grad``; Adam over the NumPy arrays (``NumpyAdam``, HIPS has no optimizer
that works on a dict of arrays without flattening). CPU only."""
from __future__ import annotations

from ..workloads.common import NumpyAdam, with_gradients
from . import require


def _autograd():
    require("autograd", "pip install autograd")
    import autograd.numpy as anp
    from autograd import value_and_grad
    return anp, value_and_grad


def _sigmoid(anp, z):
    return 0.5 * anp.tanh(0.5 * z) + 0.5


def _bce(anp, logits, targets):
    return anp.maximum(logits, 0) - logits * targets + anp.log1p(anp.exp(-anp.abs(logits)))


def lstm(problem, context):
    anp, value_and_grad = _autograd()
    s = problem["sizes"]
    H = s.hidden
    names = list(problem["weights"])
    params = {k: v.copy() for k, v in problem["weights"].items()}
    optimizer = NumpyAdam(params)
    inputs, targets = problem["inputs"], problem["targets"]
    dtype = inputs.dtype

    def loss_fn(values):
        wx, wh, b, wr, br = (values[names.index(k)] for k in
                             ("weight_input", "weight_hidden", "bias", "readout_weight", "readout_bias"))
        h = anp.zeros((s.batch, H), dtype)
        c = anp.zeros((s.batch, H), dtype)
        outputs = []
        for t in range(s.time):
            a = anp.dot(inputs[t], wx) + anp.dot(h, wh) + b
            i, f = _sigmoid(anp, a[:, :H]), _sigmoid(anp, a[:, H:2 * H])
            g, o = anp.tanh(a[:, 2 * H:3 * H]), _sigmoid(anp, a[:, 3 * H:])
            c = f * c + i * g
            h = o * anp.tanh(c)
            outputs.append(h)
        logits = anp.dot(anp.stack(outputs), wr) + br
        return anp.mean(_bce(anp, logits, targets))

    gradient = value_and_grad(loss_fn)

    last_gradients: dict = {}

    def step() -> float:
        loss, grads = gradient([params[k] for k in names])
        last_gradients.update({k: g.copy() for k, g in zip(names, grads)})
        optimizer.step(dict(zip(names, grads)))
        return float(loss)

    return with_gradients(step, lambda: dict(last_gradients))


def ntm(problem, context):
    """The NTM of ``workloads/ntm.NTM_EQUATIONS``."""
    anp, value_and_grad = _autograd()
    import numpy as np

    s = problem["sizes"]
    names = list(problem["weights"])
    params = {k: v.copy() for k, v in problem["weights"].items()}
    optimizer = NumpyAdam(params)
    x, y, mask = problem["inputs"], problem["targets"], problem["mask"][:, :, None]
    scale = 1.0 / max(float(problem["mask"].sum()) * s.bits, 1.0)
    B, N, W, K, C = s.batch, s.rows, s.width, s.shift_width, s.controller
    R, heads = s.read_heads, s.read_heads + s.write_heads
    P = W + 3 + K
    dtype = x.dtype
    offsets = np.arange(K) - (K - 1) // 2
    gather = (np.arange(N)[None, :] - offsets[:, None]) % N                      # (K, N)

    def softplus(z):
        return anp.logaddexp(0, z)

    def softmax(z):
        e = anp.exp(z - anp.max(z, axis=-1, keepdims=True))
        return e / anp.sum(e, axis=-1, keepdims=True)

    def address(memory, head_params, previous):
        key = head_params[:, :, :W]
        beta = softplus(head_params[:, :, W:W + 1])
        gate = _sigmoid(anp, head_params[:, :, W + 1:W + 2])
        gamma = 1 + softplus(head_params[:, :, W + 2:W + 3])
        shift = softmax(head_params[:, :, W + 3:])
        dot = anp.matmul(key, anp.swapaxes(memory, 1, 2))
        key_norm = anp.sqrt(anp.sum(key * key, axis=-1, keepdims=True))
        row_norm = anp.sqrt(anp.sum(memory * memory, axis=-1))[:, None, :]
        content = softmax(beta * (dot / (key_norm * row_norm + 1e-8)))             # eqs. 5-6
        gated = gate * content + (1 - gate) * previous                             # eq. 7
        shifted = anp.sum(shift[:, :, :, None] * gated[:, :, gather], axis=2)       # eq. 8
        return softmax(gamma * anp.log(shifted + 1e-12))                           # eq. 9

    def loss_fn(values):
        p = dict(zip(names, values))
        h = anp.zeros((B, C), dtype)
        c = anp.zeros((B, C), dtype)
        memory = anp.full((B, N, W), 1e-6, dtype=dtype)
        reads = anp.broadcast_to(p["cell.initial_reads"][None], (B, R, W))
        weights = anp.broadcast_to(softmax(p["cell.initial_weight_logits"])[None], (B, heads, N))
        hiddens, all_reads = [], []
        for t in range(s.time):
            controller_input = anp.concatenate([x[t], anp.reshape(reads, (B, R * W))], axis=1)
            a = (anp.dot(controller_input, p["cell.controller.weight_input"])
                 + anp.dot(h, p["cell.controller.weight_hidden"]) + p["cell.controller.bias"])
            i, f = _sigmoid(anp, a[:, :C]), _sigmoid(anp, a[:, C:2 * C])
            g, o = anp.tanh(a[:, 2 * C:3 * C]), _sigmoid(anp, a[:, 3 * C:])
            c = f * c + i * g
            h = o * anp.tanh(c)
            projected = anp.dot(h, p["cell.heads.projection.weight"]) + p["cell.heads.projection.bias"]
            head_params = anp.reshape(projected[:, :heads * P], (B, heads, P))
            erase_add = anp.reshape(projected[:, heads * P:], (B, s.write_heads, 2 * W))
            erase, add = _sigmoid(anp, erase_add[:, :, :W]), erase_add[:, :, W:]
            weights = address(memory, head_params, weights)
            write_weights = weights[:, R:]
            if not s.read_after_write:
                reads = anp.matmul(weights[:, :R], memory)                         # eq. 2, M_{t-1}
            for head in range(s.write_heads):                                      # eq. 3
                memory = memory * (1 - write_weights[:, head, :, None] * erase[:, head, None, :])
            memory = memory + anp.matmul(anp.swapaxes(write_weights, 1, 2), add)  # eq. 4
            if s.read_after_write:
                reads = anp.matmul(weights[:, :R], memory)                         # eq. 2, M_t
            hiddens.append(h)
            all_reads.append(anp.reshape(reads, (B, R * W)))
        features = anp.concatenate([anp.stack(hiddens), anp.stack(all_reads)], axis=2)
        logits = anp.dot(features, p["cell.output_layer.weight"]) + p["cell.output_layer.bias"]
        return anp.sum(_bce(anp, logits, y) * mask) * scale

    gradient = value_and_grad(loss_fn)

    last_gradients: dict = {}

    def step() -> float:
        loss, grads = gradient([params[k] for k in names])
        last_gradients.update({k: g.copy() for k, g in zip(names, grads)})
        optimizer.step(dict(zip(names, grads)))
        return float(loss)

    return with_gradients(step, lambda: dict(last_gradients))
