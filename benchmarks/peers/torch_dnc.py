"""The DNC of ``tinyaug.models.dnc`` written by hand in PyTorch eager ops (same equations, same
order, same parameter names), for gradient checks and speed comparisons
(``benchmarks/dnc_step.py``). Written from the Nature paper's Methods, not from a peer's code.

``dnc_logits(torch, params, inputs, sizes)``: params a dict of tensors named as the tinyaug
``DNC``'s ``state_dict`` (LSTM controller), inputs (time, batch, in) -> logits (time, batch, out).
"""
from __future__ import annotations

USAGE_EPS = 1e-6
COSINE_EPS = 1e-8


def dnc_logits(torch, params: dict, inputs, rows: int, width: int, read_heads: int,
               write_heads: int, controller: int, clip: float):
    F = torch.nn.functional
    p = params
    T, B, _ = inputs.shape
    N, W, R, H, C = rows, width, read_heads, write_heads, controller
    dtype, device = inputs.dtype, inputs.device
    zeros = lambda *shape: torch.zeros(*shape, dtype=dtype, device=device)  # noqa: E731
    h, c = zeros(B, C), zeros(B, C)
    memory, usage = zeros(B, N, W), zeros(B, N)
    link, precedence = zeros(B, H, N, N), zeros(B, H, N)
    read_weights, write_weights, reads = zeros(B, R, N), zeros(B, H, N), zeros(B, R, W)
    off_diagonal = 1 - torch.eye(N, dtype=dtype, device=device)
    oneplus = lambda x: 1 + F.softplus(x)  # noqa: E731

    def content(memory, keys, strengths):
        dot = keys @ memory.transpose(1, 2)
        norms = keys.norm(dim=-1, keepdim=True) * memory.norm(dim=-1)[:, None, :]
        return torch.softmax(strengths[:, :, None] * dot / (norms + COSINE_EPS), dim=-1)

    def allocate(usage):
        u = USAGE_EPS + (1 - USAGE_EPS) * usage
        sorted_usage, order = torch.sort(u, dim=-1, stable=True)
        exclusive = torch.cumprod(torch.cat([torch.ones_like(u[:, :1]), sorted_usage[:, :-1]], dim=1), dim=1)
        return torch.zeros_like(u).scatter(1, order, (1 - sorted_usage) * exclusive)

    hiddens, all_reads = [], []
    for t in range(T):
        a = (torch.cat([inputs[t], reads.reshape(B, R * W)], dim=1) @ p["cell.controller.weight_input"]
             + h @ p["cell.controller.weight_hidden"] + p["cell.controller.bias"])
        i, f = torch.sigmoid(a[:, :C]), torch.sigmoid(a[:, C:2 * C])
        g, o = torch.tanh(a[:, 2 * C:3 * C]), torch.sigmoid(a[:, 3 * C:])
        c = f * c + i * g
        h = o * torch.tanh(c)
        hidden = h.clamp(-clip, clip) if clip else h
        xi = hidden @ p["cell.interface.projection.weight"] + p["cell.interface.projection.bias"]
        sizes = [R * W, R, H * W, H, H * W, H * W, R, H, H, R * (1 + 2 * H)]
        parts = torch.split(xi, sizes, dim=1)
        read_keys, read_strengths = parts[0].reshape(B, R, W), oneplus(parts[1])
        write_keys, write_strengths = parts[2].reshape(B, H, W), oneplus(parts[3])
        erase, write_vectors = torch.sigmoid(parts[4]).reshape(B, H, W), parts[5].reshape(B, H, W)
        free_gates, allocation_gates, write_gates = (torch.sigmoid(x) for x in parts[6:9])
        modes = torch.softmax(parts[9].reshape(B, R, 1 + 2 * H), dim=-1)
        # usage
        psi = torch.prod(1 - free_gates[:, :, None] * read_weights, dim=1)
        written = 1 - torch.prod(1 - write_weights, dim=1)
        usage = (usage + written - usage * written) * psi
        allocations, u = [], usage
        for head in range(H):
            allocations.append(allocate(u))
            u = u + (1 - u) * (allocation_gates[:, head] * write_gates[:, head])[:, None] * allocations[-1]
        allocation = torch.stack(allocations, dim=1)
        write_content = content(memory, write_keys, write_strengths)
        ga, gw = allocation_gates[:, :, None], write_gates[:, :, None]
        write_weights = gw * (ga * allocation + (1 - ga) * write_content)
        keep = torch.prod(1 - write_weights[:, :, :, None] * erase[:, :, None, :], dim=1)
        memory = memory * keep + write_weights.transpose(1, 2) @ write_vectors
        link = ((1 - write_weights[..., :, None] - write_weights[..., None, :]) * link
                + write_weights[..., :, None] * precedence[..., None, :]) * off_diagonal
        forward = read_weights[:, None] @ link.transpose(2, 3)                    # (B, H, R, N)
        backward = read_weights[:, None] @ link
        precedence = (1 - write_weights.sum(-1, keepdim=True)) * precedence + write_weights
        read_content = content(memory, read_keys, read_strengths)
        read_weights = modes[:, :, H, None] * read_content
        for head in range(H):
            read_weights = (read_weights + modes[:, :, head, None] * backward[:, head]
                            + modes[:, :, H + 1 + head, None] * forward[:, head])
        reads = read_weights @ memory
        hiddens.append(hidden)
        all_reads.append(reads.reshape(B, R * W))
    features = torch.cat([torch.stack(hiddens), torch.stack(all_reads)], dim=2)
    logits = features @ p["cell.output_layer.weight"] + p["cell.output_layer.bias"]
    return logits.clamp(-clip, clip) if clip else logits
