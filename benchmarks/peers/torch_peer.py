"""PyTorch (eager) peers: a hand-written LSTM cell stepped in Python, ``torch.nn.LSTM``, and a
hand-written NTM with the equations of ``workloads/ntm.py``. Each uses ``torch.optim.Adam``.

The CPU thread count is ``context.threads`` (``torch.set_num_threads``), the same as NumPy's
BLAS, or PyTorch's own default when it is None; with ``--backend cupy`` the tensors live on ``cuda`` when it is available.
"""
from __future__ import annotations

from . import require

LEARNING_RATE = 1e-3


def _torch(context):
    torch = require("torch", "pip install torch")
    if context.threads is not None:
        torch.set_num_threads(context.threads)
    device = context.torch_device
    if device == "cuda" and not torch.cuda.is_available():
        device = "cpu"
    return torch, device


def _tensor(torch, array, device, grad: bool = False):
    value = torch.from_numpy(array.copy()).to(device)
    return torch.nn.Parameter(value) if grad else value


def _numpy(tensor):
    return tensor.detach().cpu().numpy().copy()


def _sync(torch, device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


# -- LSTM (W1–W3) ---------------------------------------------------------------------------------

def _lstm_common(problem, context):
    torch, device = _torch(context)
    w = problem["weights"]
    x = _tensor(torch, problem["inputs"], device)
    y = _tensor(torch, problem["targets"], device)
    readout_weight = _tensor(torch, w["readout_weight"], device, grad=True)
    readout_bias = _tensor(torch, w["readout_bias"], device, grad=True)
    return torch, device, w, x, y, readout_weight, readout_bias


def lstm_hand_cell(problem, context):
    """The LSTM cell as a PyTorch user writes it, stepped in Python (autograd records each op):
    the weights are kept with the gates in (i, f, o, g) order, so that one ``sigmoid`` covers
    the three sigmoid gates and one ``tanh`` the candidate. The problem's (i, f, g, o) columns
    are permuted in at the start and the gradients permuted back for the cross-check."""
    import numpy as np

    torch, device, w, x, y, readout_weight, readout_bias = _lstm_common(problem, context)
    s = problem["sizes"]
    H = s.hidden
    to_ifog = np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]
    to_ifgo = np.argsort(to_ifog)
    weight_input = _tensor(torch, w["weight_input"][:, to_ifog], device, grad=True)
    weight_hidden = _tensor(torch, w["weight_hidden"][:, to_ifog], device, grad=True)
    bias = _tensor(torch, w["bias"][to_ifog], device, grad=True)
    optimizer = torch.optim.Adam([weight_input, weight_hidden, bias, readout_weight, readout_bias],
                                 lr=LEARNING_RATE)
    dtype = x.dtype

    def step() -> float:
        h = torch.zeros(s.batch, H, dtype=dtype, device=device)
        c = torch.zeros(s.batch, H, dtype=dtype, device=device)
        outputs = []
        for t in range(s.time):
            gates = x[t] @ weight_input + h @ weight_hidden + bias
            i, f, o = torch.sigmoid(gates[:, :3 * H]).chunk(3, dim=1)
            g = torch.tanh(gates[:, 3 * H:])
            c = f * c + i * g
            h = o * torch.tanh(c)
            outputs.append(h)
        logits = torch.stack(outputs) @ readout_weight + readout_bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    def gradients() -> dict:
        return {"weight_input": _numpy(weight_input.grad)[:, to_ifgo],
                "weight_hidden": _numpy(weight_hidden.grad)[:, to_ifgo],
                "bias": _numpy(bias.grad)[to_ifgo],
                "readout_weight": _numpy(readout_weight.grad), "readout_bias": _numpy(readout_bias.grad)}

    step.gradients = gradients
    return step


def lstm_builtin(problem, context):
    """``torch.nn.LSTM`` (its fused C++ kernel), weights copied in (PyTorch keeps (4H, in))."""
    torch, device, w, x, y, readout_weight, readout_bias = _lstm_common(problem, context)
    s = problem["sizes"]
    lstm = torch.nn.LSTM(s.input, s.hidden).to(device=device, dtype=x.dtype)  # gate order i, f, g, o
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(_tensor(torch, w["weight_input"].T, device))
        lstm.weight_hh_l0.copy_(_tensor(torch, w["weight_hidden"].T, device))
        lstm.bias_ih_l0.copy_(_tensor(torch, w["bias"], device))
        lstm.bias_hh_l0.zero_()
    optimizer = torch.optim.Adam(list(lstm.parameters()) + [readout_weight, readout_bias], lr=LEARNING_RATE)

    def step() -> float:
        hidden, _ = lstm(x)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(hidden @ readout_weight + readout_bias, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    def gradients() -> dict:
        return {"weight_input": _numpy(lstm.weight_ih_l0.grad).T, "weight_hidden": _numpy(lstm.weight_hh_l0.grad).T,
                "bias": _numpy(lstm.bias_ih_l0.grad),
                "readout_weight": _numpy(readout_weight.grad), "readout_bias": _numpy(readout_bias.grad)}

    step.gradients = gradients
    return step


# -- NTM (W4) ---------------------------------------------------------------------------------------

def ntm_hand(problem, context):
    """The NTM of ``workloads/ntm.NTM_EQUATIONS`` in torch ops, stepped in Python."""
    torch, device = _torch(context)
    F = torch.nn.functional
    s = problem["sizes"]
    params = {k: _tensor(torch, v, device, grad=True) for k, v in problem["weights"].items()}
    optimizer = torch.optim.Adam(list(params.values()), lr=LEARNING_RATE)
    x = _tensor(torch, problem["inputs"], device)
    y = _tensor(torch, problem["targets"], device)
    mask = _tensor(torch, problem["mask"], device)[:, :, None]
    scale = 1.0 / max(float(problem["mask"].sum()) * s.bits, 1.0)
    B, N, W, K, C = s.batch, s.rows, s.width, s.shift_width, s.controller
    R, heads = s.read_heads, s.read_heads + s.write_heads
    P = W + 3 + K
    offsets = [k - (K - 1) // 2 for k in range(K)]
    dtype = x.dtype

    def address(memory, head_params, previous):
        key = head_params[:, :, :W]
        beta = F.softplus(head_params[:, :, W:W + 1])
        gate = torch.sigmoid(head_params[:, :, W + 1:W + 2])
        gamma = 1 + F.softplus(head_params[:, :, W + 2:W + 3])
        shift = torch.softmax(head_params[:, :, W + 3:], dim=-1)
        dot = key @ memory.transpose(1, 2)                                            # (B, heads, N)
        norms = key.norm(dim=-1, keepdim=True) * memory.norm(dim=-1)[:, None, :]
        content = torch.softmax(beta * (dot / (norms + 1e-8)), dim=-1)              # eqs. 5-6
        gated = gate * content + (1 - gate) * previous                              # eq. 7
        shifted = sum(shift[:, :, k:k + 1] * torch.roll(gated, offsets[k], dims=-1) for k in range(K))  # eq. 8
        return torch.softmax(gamma * torch.log(shifted + 1e-12), dim=-1)            # eq. 9

    def step() -> float:
        p = params
        h = torch.zeros(B, C, dtype=dtype, device=device)
        c = torch.zeros(B, C, dtype=dtype, device=device)
        memory = torch.full((B, N, W), 1e-6, dtype=dtype, device=device)
        reads = p["cell.initial_reads"].expand(B, R, W)
        weights = torch.softmax(p["cell.initial_weight_logits"], dim=-1).expand(B, heads, N)
        hiddens, all_reads = [], []
        for t in range(s.time):
            controller_input = torch.cat([x[t], reads.reshape(B, R * W)], dim=1)
            a = (controller_input @ p["cell.controller.weight_input"] + h @ p["cell.controller.weight_hidden"]
                 + p["cell.controller.bias"])
            i, f = torch.sigmoid(a[:, :C]), torch.sigmoid(a[:, C:2 * C])
            g, o = torch.tanh(a[:, 2 * C:3 * C]), torch.sigmoid(a[:, 3 * C:])
            c = f * c + i * g
            h = o * torch.tanh(c)
            projected = h @ p["cell.heads.projection.weight"] + p["cell.heads.projection.bias"]
            head_params = projected[:, :heads * P].reshape(B, heads, P)
            erase_add = projected[:, heads * P:].reshape(B, s.write_heads, 2 * W)
            erase, add = torch.sigmoid(erase_add[:, :, :W]), erase_add[:, :, W:]
            weights = address(memory, head_params, weights)
            write_weights = weights[:, R:]
            if not s.read_after_write:
                reads = weights[:, :R] @ memory                                      # eq. 2, M_{t-1}
            for head in range(s.write_heads):                                        # eq. 3
                memory = memory * (1 - write_weights[:, head, :, None] * erase[:, head, None, :])
            memory = memory + write_weights.transpose(1, 2) @ add                    # eq. 4
            if s.read_after_write:
                reads = weights[:, :R] @ memory                                      # eq. 2, M_t
            hiddens.append(h)
            all_reads.append(reads.reshape(B, R * W))
        features = torch.cat([torch.stack(hiddens), torch.stack(all_reads)], dim=2)
        logits = features @ p["cell.output_layer.weight"] + p["cell.output_layer.bias"]
        loss = (F.binary_cross_entropy_with_logits(logits, y, reduction="none") * mask).sum() * scale
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    step.gradients = lambda: {k: _numpy(v.grad) for k, v in params.items()}
    return step


# -- ACT parity (W6) ----------------------------------------------------------------------------

def act_parity(problem, context):
    """ACT (Graves 2016, eqs. 7-16) around a tanh RNN cell, written in torch ops. Like tinyaug's
    wrapper, examples that have halted are dropped from the working batch (index selects), and
    the halting decisions are taken on the host in float64, so both halt at the same steps."""
    import numpy as np

    torch, device = _torch(context)
    s = problem["sizes"]
    p = {k: _tensor(torch, v, device, grad=True) for k, v in problem["weights"].items()}
    optimizer = torch.optim.Adam(list(p.values()), lr=LEARNING_RATE)
    x = _tensor(torch, problem["inputs"], device)
    y = _tensor(torch, problem["targets"], device)
    T, B = x.shape[0], x.shape[1]
    dtype = x.dtype
    threshold = 1.0 - s.epsilon
    ones = torch.ones(B, 1, dtype=dtype, device=device)
    zeros = torch.zeros(B, 1, dtype=dtype, device=device)

    def index(array):
        return torch.from_numpy(array).to(device)

    def step() -> float:
        state = torch.zeros(B, s.hidden, dtype=dtype, device=device)
        outputs, costs = [], []
        for t in range(T):
            x_first, x_rest = torch.cat([x[t], ones], dim=1), torch.cat([x[t], zeros], dim=1)  # eq. 8
            rows = np.arange(B)
            steps = np.zeros(B)
            halting_sum, halting_sum_host = zeros, np.zeros(B)
            state_sum, finished = None, []
            for n in range(1, s.max_ponder + 1):
                state = torch.tanh((x_first if n == 1 else x_rest) @ p["act.cell.weight_input"]
                                   + state @ p["act.cell.weight_hidden"] + p["act.cell.bias"])   # eq. 7
                halting = torch.sigmoid(state @ p["act.halting_weight"] + p["act.halting_bias"])  # eq. 9
                halting_host = halting.detach().cpu().numpy()[:, 0].astype(np.float64)
                halts = (halting_sum_host + halting_host >= threshold) | (n == s.max_ponder)  # eq. 10
                remainder = 1 - halting_sum                                                # eq. 11
                if halts.all():
                    probability = remainder                                                # eq. 12
                elif not halts.any():
                    probability = halting
                else:
                    probability = torch.where(index(halts[:, None]), remainder, halting)
                state_sum = probability * state if state_sum is None else state_sum + probability * state  # eq. 13
                steps[rows[halts]] = n
                if halts.all():
                    finished.append((rows, state_sum, remainder))
                    break
                if halts.any():
                    done, keep = index(np.flatnonzero(halts)), index(np.flatnonzero(~halts))
                    finished.append((rows[halts], state_sum[done], remainder[done]))
                    rows = rows[~halts]
                    state, state_sum, x_rest = state[keep], state_sum[keep], x_rest[keep]
                    halting, halting_sum = halting[keep], halting_sum[keep]
                    halting_host, halting_sum_host = halting_host[~halts], halting_sum_host[~halts]
                halting_sum = halting_sum + halting
                halting_sum_host = halting_sum_host + halting_host
            inverse = index(np.argsort(np.concatenate([piece[0] for piece in finished])))
            state = torch.cat([piece[1] for piece in finished])[inverse]
            remainder = torch.cat([piece[2] for piece in finished])[inverse]
            outputs.append(state)
            costs.append(remainder[:, 0] + index(steps).to(dtype))                       # eq. 15
        logits = torch.stack(outputs) @ p["readout.weight"] + p["readout.bias"]
        task = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="sum") / B
        loss = task + s.tau * (torch.stack(costs).sum() / B)                                 # eq. 16
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


# -- seq2seq with additive attention (W5) ---------------------------------------------------------

def seq2seq_attention(problem, context):
    """The dates seq2seq model of ``workloads/seq2seq.py`` in torch ops: bi-LSTM encoder (each
    sequence reversed within its own length for the backward LSTM), LSTM decoder with Bahdanau
    additive attention over the masked annotations, teacher forcing, masked cross-entropy."""
    import numpy as np

    torch, device = _torch(context)
    F = torch.nn.functional
    p = {k: _tensor(torch, v, device, grad=True) for k, v in problem["weights"].items()}
    optimizer = torch.optim.Adam(list(p.values()), lr=problem["lr"])
    batch = problem["batch"]
    steps, B = batch.source.shape
    lengths = batch.source_mask.sum(axis=0).astype(np.int64)
    time_index = np.arange(steps)[:, None]
    reversed_time = np.where(time_index < lengths[None, :], lengths[None, :] - 1 - time_index, time_index)

    def ids(array):
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.int64)).to(device)

    source, decoder_inputs, target = ids(batch.source), ids(batch.decoder_inputs()), ids(batch.target)
    rev, columns = ids(reversed_time), ids(np.broadcast_to(np.arange(B)[None, :], (steps, B)))
    last, rows = ids(lengths - 1), ids(np.arange(B))
    dtype = p["decoder.readout.bias"].dtype
    source_mask = torch.from_numpy(batch.source_mask.T.copy()).to(device=device) > 0      # (B, S)
    target_mask = torch.from_numpy(batch.target_mask.astype(np.float64)).to(device=device, dtype=dtype)

    def lstm_cell(x, h, c, prefix):
        a = x @ p[f"{prefix}.weight_input"] + h @ p[f"{prefix}.weight_hidden"] + p[f"{prefix}.bias"]
        H = h.shape[1]
        i, f = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H:2 * H])
        g, o = torch.tanh(a[:, 2 * H:3 * H]), torch.sigmoid(a[:, 3 * H:])
        c = f * c + i * g
        return o * torch.tanh(c), c

    def lstm(inputs, prefix):
        H = p[f"{prefix}.weight_hidden"].shape[0]
        h = torch.zeros(B, H, dtype=dtype, device=device)
        c = torch.zeros(B, H, dtype=dtype, device=device)
        outputs = []
        for t in range(inputs.shape[0]):
            h, c = lstm_cell(inputs[t], h, c, prefix)
            outputs.append(h)
        return torch.stack(outputs)

    def step() -> float:
        embedded = p["encoder.embedding.weight"][source]                                   # (S, B, E)
        forward_states = lstm(embedded, "encoder.forward_lstm.layer0")                     # →h_j
        backward_states = lstm(embedded[rev, columns], "encoder.backward_lstm.layer0")[rev, columns]  # ←h_j
        keys = torch.cat([forward_states, backward_states], dim=-1).transpose(0, 1)         # h_j, (B, S, 2H)
        summary = torch.cat([forward_states[last, rows], backward_states[0]], dim=-1)
        projected_keys = keys @ p["decoder.attention.key_weight"]                           # U h_j
        hidden = torch.tanh(summary @ p["decoder.initial.weight"] + p["decoder.initial.bias"])  # s_0
        cell = torch.zeros_like(hidden)
        all_logits = []
        for t in range(decoder_inputs.shape[0]):
            embedded_previous = p["decoder.embedding.weight"][decoder_inputs[t]]
            scores = torch.tanh((hidden @ p["decoder.attention.query_weight"])[:, None, :]
                                + projected_keys) @ p["decoder.attention.vector"]           # e_ij (eq. 6)
            weights = torch.softmax(scores.masked_fill(~source_mask, float("-inf")), dim=-1)  # α_ij
            context = (weights[:, None, :] @ keys)[:, 0]                                    # c_i (eq. 5)
            hidden, cell = lstm_cell(torch.cat([embedded_previous, context], dim=-1), hidden, cell,
                                     "decoder.cell")                                         # eq. 4
            attentional = torch.tanh(torch.cat([context, hidden], dim=-1) @ p["decoder.combine.weight"]
                                     + p["decoder.combine.bias"])                            # Luong eq. 5
            all_logits.append(attentional @ p["decoder.readout.weight"] + p["decoder.readout.bias"])
        logits = torch.stack(all_logits)                                                     # (T, B, V)
        per_token = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                    reduction="none").reshape(target.shape)
        loss = (per_token * target_mask).sum() / target_mask.sum().clamp(min=1.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step
