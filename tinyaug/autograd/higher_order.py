"""Gradients of gradients: ``ta.grad`` and ``backward(create_graph=True)``.

The ordinary backward (``graph.py``) walks raw arrays and stays as fast as it was. This walk is
the general one: it can stop at chosen ``inputs`` (``ta.grad``), and with ``create_graph`` it
runs each op's *own* ``backward`` on tensors, so the backward pass is recorded like any forward:

* the op's saved arrays that are its inputs' or outputs' arrays are swapped for those tensors
  (found by identity), on a copy of the op (a "graph view"), so the original stays reusable;
* ``self.xp`` of the copy is a ``TensorXP`` (``tensor_xp.py``): NumPy names over the engine's
  differentiable ops;
* values the forward derived from its inputs (a norm, a log-probability) are recomputed as
  tensors by the op's ``save_for_graph(inputs, outputs)``, when it has one.

Only ops whose class says ``double_backward = True`` take this path; any other op raises a
``GraphError`` that names it (and its composite alternative, for fused kernels).
"""
from __future__ import annotations

import heapq

from .. import backends
from .errors import GraphError, ShapeError
from .function import Function, _check_finite
from .state import STATE
from .tensor import Tensor
from .tensor_xp import tensor_xp


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple of tensors.

    ``outputs``: a tensor or a sequence of tensors; ``grad_outputs``: their upstream gradients
    (tensors or arrays; None for a one-element output means 1). ``inputs``: a tensor or a
    sequence of tensors (leaves or intermediate results). ``create_graph``: record the backward
    pass, so the gradients can be differentiated again. ``retain_graph`` defaults to
    ``create_graph``. ``allow_unused``: give None for an input that ``outputs`` do not depend
    on, instead of raising ``GraphError``. Never reads or writes any ``.grad``.
    """
    outputs = _as_tuple(outputs, "outputs")
    inputs = _as_tuple(inputs, "inputs")
    for index, x in enumerate(inputs):
        if not x.requires_grad:
            raise GraphError(f"grad(): input {index} (shape {x.shape}) does not require grad")
    retain = create_graph if retain_graph is None else retain_graph
    found = _walk(outputs, _seeds(outputs, grad_outputs, "grad()"), create_graph, retain,
                  targets=inputs)
    result = []
    for index, x in enumerate(inputs):
        g = found.get(id(x))
        if g is None and not allow_unused:
            raise GraphError(f"grad(): input {index} (shape {x.shape}) was not used to compute "
                             "the outputs; pass allow_unused=True to get None for it")
        if g is not None and not isinstance(g, Tensor):
            g = Tensor._from_op(g, False, None, 0)
        result.append(g)
    return tuple(result)


def backward_create_graph(root: Tensor, grad_output=None, retain_graph: bool | None = None) -> None:
    """``root.backward(grad, create_graph=True)``: leaves' ``.grad`` become tensors with a graph."""
    retain = True if retain_graph is None else retain_graph
    seeds = _seeds((root,), None if grad_output is None else (grad_output,), "backward()")
    _walk((root,), seeds, True, retain, targets=None)


# -- the walk ------------------------------------------------------------------------------

def _as_tuple(values, what: str) -> tuple:
    values = (values,) if isinstance(values, Tensor) else tuple(values)
    if not values or not all(isinstance(v, Tensor) for v in values):
        raise GraphError(f"grad(): {what} must be a tensor or a non-empty sequence of tensors")
    return values


def _seeds(outputs: tuple, grad_outputs, caller: str) -> list:
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor) or not isinstance(grad_outputs, (tuple, list)):
        grad_outputs = (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise GraphError(f"{caller}: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    seeds = []
    for index, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise GraphError(f"{caller}: output {index} does not require grad (no input of the ops "
                             "that made it requires grad, or it was made under no_grad())")
        backend = backends.backend_of(out.data)
        if g is None:
            if out.data.size != 1:
                raise GraphError(f"{caller}: grad_outputs can be omitted only for outputs with one "
                                 f"element; output {index} has shape {out.shape}")
            g = backend.xp.ones_like(out.data)
        elif not isinstance(g, Tensor) and backends._BY_ARRAY_TYPE.get(type(g)) is not backend:
            g = backend.asarray(g, dtype=out.data.dtype)
        if tuple(g.shape) != out.shape:
            raise ShapeError(f"{caller}: grad_outputs[{index}] has shape {tuple(g.shape)} but "
                             f"output {index} has shape {out.shape}")
        seeds.append(g)
    return seeds


def _targets_plan(roots, targets):
    """Which ops to visit and which to run backward for, when only ``targets`` are wanted.

    ``expand``: ops with a path to a target through their inputs (their backward must run);
    ``visit``: those plus the ops that made a non-leaf target (their gradient is read there).
    """
    nodes, stack = {}, [r.creator for r in roots if r.creator is not None]
    while stack:
        node = stack.pop()
        if node in nodes:
            continue
        if node.inputs is None:
            raise _freed_error(node)
        nodes[node] = None
        stack.extend(x.creator for x in node.inputs if x.creator is not None and x.creator not in nodes)
    target_ids = {id(t) for t in targets}
    made_target = {t.creator for t in targets if t.creator is not None}
    expand = set()
    for node in sorted(nodes, key=lambda n: n.sequence):  # inputs' ops run first
        for x in node.inputs:
            if id(x) in target_ids or x.creator in expand or x.creator in made_target:
                expand.add(node)
                break
    return expand, expand | (made_target & set(nodes))


def _walk(roots, seeds, create_graph: bool, retain_graph: bool, targets) -> dict:
    """Propagate ``seeds`` from ``roots``; returns {id(target): gradient} (or accumulates into
    leaves' ``.grad`` when ``targets`` is None)."""
    expand = visit = None
    if targets is not None:
        expand, visit = _targets_plan(roots, targets)
        target_ids = {id(t) for t in targets}
        wanted_slots = {}  # (op, output index) -> the target tensors it made
        for t in targets:
            if t.creator is not None:
                wanted_slots.setdefault((t.creator, t.output_index), []).append(t)
    found: dict = {}
    pending: dict = {}   # op -> list of gradient slots, one per output
    outputs: dict = {}   # op -> {output index: a tensor it made} (for the graph views)
    heap: list = []
    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    try:
        for root, seed in zip(roots, seeds):
            if create_graph and not isinstance(seed, Tensor):
                seed = Tensor._from_op(seed, False, None, 0)
            elif not create_graph and isinstance(seed, Tensor):
                seed = seed.data
            _send(root, seed, pending, outputs, heap, found, targets, visit)
        while heap:
            node = heapq.heappop(heap)[2]
            slots = pending.pop(node)
            if targets is not None:
                for (op, index), wanted in wanted_slots.items():
                    if op is node and slots[index] is not None:
                        for t in wanted:
                            found[id(t)] = slots[index]
                if node not in expand:
                    continue
            grads_in = _run_node(node, slots, outputs.pop(node, {}), create_graph)
            for x, g, needed in zip(node.inputs, grads_in, node.needs_input_grad):
                if g is None or not needed or not x.requires_grad:
                    continue
                if targets is not None and x.creator is None and id(x) not in target_ids:
                    continue
                _send(x, g, pending, outputs, heap, found, targets, visit)
            if not retain_graph:
                node.__dict__.clear()  # frees the saved buffers; a later backward says so
    finally:
        STATE.grad_enabled = previous_mode
    return found


def _send(x: Tensor, g, pending, outputs, heap, found, targets, visit) -> None:
    """Add gradient ``g`` to tensor ``x``: to its op's pending slot, or to the leaf."""
    creator = x.creator
    if creator is None:
        if targets is None:
            _accumulate_leaf(x, g)
        else:
            previous = found.get(id(x))
            if previous is not None:
                found[id(x)] = previous + g
            else:  # a copy of a raw array: backward may hand one array to several inputs
                found[id(x)] = g if isinstance(g, Tensor) else g.copy()
        return
    if visit is not None and creator not in visit:
        return
    if creator.inputs is None:
        raise _freed_error(creator)
    outputs.setdefault(creator, {}).setdefault(x.output_index, x)
    slots = pending.get(creator)
    if slots is None:
        count = 1 if creator.output_meta is None else len(creator.output_meta)
        slots = pending[creator] = [None] * count
        heapq.heappush(heap, (-creator.sequence, id(creator), creator))
    previous = slots[x.output_index]
    slots[x.output_index] = g if previous is None else previous + g


def _run_node(node: Function, slots: list, made: dict, create_graph: bool) -> tuple:
    xp = node.xp
    if node.output_meta is not None:  # unused outputs get zero gradients
        slots = [xp.zeros(shape, dtype) if g is None else g
                 for g, (shape, dtype) in zip(slots, node.output_meta)]
        if create_graph:
            slots = [g if isinstance(g, Tensor) else Tensor._from_op(g, False, None, 0) for g in slots]
    op = _graph_view(node, made) if create_graph else node
    grads_in = op.backward(*slots)
    inputs = node.inputs
    if type(grads_in) is not tuple:
        grads_in = (grads_in,) if len(inputs) == 1 or type(grads_in) is not list else tuple(grads_in)
    if len(grads_in) != len(inputs):
        raise GraphError(f"{type(node).__name__}.backward returned {len(grads_in)} gradients "
                         f"for {len(inputs)} inputs")
    checked = []
    for x, g in zip(inputs, grads_in):
        if g is not None:
            if create_graph and not isinstance(g, Tensor):
                g = Tensor._from_op(xp.asarray(g), False, None, 0)  # a constant gradient
            elif not create_graph and type(g) is not type(x.data):
                g = xp.asarray(g)  # NumPy arithmetic on 0-d arrays gives scalars
            if tuple(g.shape) != tuple(x.data.shape):
                raise ShapeError(f"{type(node).__name__}.backward returned a gradient of shape "
                                 f"{tuple(g.shape)} for an input of shape {tuple(x.data.shape)}")
        checked.append(g)
    if STATE.anomaly:
        _check_finite(type(node), "backward", tuple(_raw(g) for g in checked),
                      tuple(_raw(g) for g in slots), xp)
    return tuple(checked)


def _raw(g):
    return g.data if isinstance(g, Tensor) else g


def _graph_view(node: Function, made: dict) -> Function:
    """A copy of ``node`` whose saved input/output arrays are the tensors, and ``xp`` a TensorXP."""
    if not type(node).double_backward:
        raise _not_twice_differentiable(type(node))
    by_identity = {id(x.data): x for x in node.inputs}
    for t in made.values():
        by_identity[id(t.data)] = t
    view = object.__new__(type(node))
    saved = view.__dict__
    for name, value in node.__dict__.items():
        if type(value) in backends._BY_ARRAY_TYPE:
            value = by_identity.get(id(value), value)
        elif type(value) in (tuple, list) and value and type(value[0]) in backends._BY_ARRAY_TYPE:
            value = type(value)(by_identity.get(id(v), v) for v in value)
        saved[name] = value
    view.xp = tensor_xp(node.xp)
    if hasattr(view, "save_for_graph"):
        view.save_for_graph(node.inputs, tuple(made.get(i) for i in range(
            1 if node.output_meta is None else len(node.output_meta))))
    return view


def _not_twice_differentiable(cls: type) -> GraphError:
    alternative = getattr(cls, "composite", None)
    if alternative:
        advice = (f"it is a fused kernel over raw arrays; for second derivatives use {alternative}, "
                  "which is built from differentiable ops")
    else:
        advice = ("its backward works on raw arrays; write it with self.xp, operators and array "
                  "methods and set double_backward = True (docs/sections/engine.md), or build the "
                  "op from tinyaug ops")
    return GraphError(f"{cls.__name__} cannot be differentiated twice (create_graph=True, "
                      f"gradgradcheck): {advice}")


def _accumulate_leaf(leaf: Tensor, g) -> None:
    if g.dtype != leaf.data.dtype:
        g = g.astype(leaf.data.dtype)
    if leaf.grad is None:
        leaf.grad = g if isinstance(g, Tensor) else g.copy()
    elif isinstance(g, Tensor) or isinstance(leaf.grad, Tensor):
        leaf.grad = leaf.grad + g if isinstance(leaf.grad, Tensor) else g + leaf.grad
    else:
        leaf.grad += g


def _freed_error(node) -> GraphError:
    return GraphError(f"backward through {type(node).__name__} a second time: its saved buffers "
                      "were freed by the first backward; pass retain_graph=True to the first "
                      "backward() (or create_graph=True) if you need to backward twice")

