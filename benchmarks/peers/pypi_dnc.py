"""One training step of the ``dnc`` PyPI package's DNC (ixaxaar/pytorch-dnc, ``pip install dnc``),
timed in its own process and written as its README shows its users: ``DNC(...)`` called on a
``(time, batch, features)`` tensor with ``(None, None, None)`` state and
``reset_experience=True``, then a ``torch.nn.Linear`` to the target size (its DNC's output has
the input's size), masked BCE, backward, Adam.

Its maths are not ours (its own allocation, interface layout, controller wiring), so no
gradient check is possible: only the sizes match (controller LSTM, memory rows × width, read
heads, batch, sequence length, one write head, clip). ``benchmarks/dnc_step.py --pypi-dnc DIR``
runs this file with DIR on the path, one process per setting, and prints its median.

    python benchmarks/peers/pypi_dnc.py --rows 16 --width 16 --time 8 --inputs 6 --outputs 4
"""
from __future__ import annotations

import argparse
import json
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("rows", 16), ("width", 16), ("reads", 4), ("controller", 64), ("time", 8),
                          ("batch", 16), ("inputs", 6), ("outputs", 4), ("rounds", 5)):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--clip", type=float, default=20.0)
    args = parser.parse_args()

    import torch
    from dnc import DNC
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = DNC(input_size=args.inputs, hidden_size=args.controller, rnn_type="lstm", num_layers=1,
                num_hidden_layers=1, nr_cells=args.rows, cell_size=args.width, read_heads=args.reads,
                batch_first=False, clip=args.clip)
    readout = torch.nn.Linear(args.inputs, args.outputs)
    optimizer = torch.optim.Adam(list(model.parameters()) + list(readout.parameters()), lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    inputs = (torch.rand(args.time, args.batch, args.inputs, generator=generator) > 0.5).float()
    targets = (torch.rand(args.time, args.batch, args.outputs, generator=generator) > 0.5).float()
    mask = torch.zeros(args.time, args.batch)
    mask[args.time // 2:] = 1.0                        # the answer half of the sequence, as in copy

    def step() -> float:
        output, _ = model(inputs, (None, None, None), reset_experience=True)
        logits = readout(output)
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
                * mask[:, :, None]).sum() / args.batch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    step()                                             # warm-up, as the other sides get
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    print(json.dumps({"median_s": statistics.median(times), "times_s": times,
                      "parameters": sum(p.numel() for p in model.parameters())}))


if __name__ == "__main__":
    main()
