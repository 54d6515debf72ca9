"""The backward pass: walk the graph from the output in reverse creation order.

Every recorded Function gets an increasing sequence number when it runs, so an op's inputs
were always made by ops with smaller numbers. Popping the largest number first from a heap
therefore visits each op after all ops that use its outputs: a topological order without
recursion (a 100,000-op chain is fine) and without a separate sorting pass.
"""
from __future__ import annotations

import heapq

from .. import backends
from .errors import GraphError, ShapeError
from .function import _check_finite
from .state import STATE

_heappush = heapq.heappush
_heappop = heapq.heappop


def run_backward(root, grad=None, retain_graph: bool = False) -> None:
    if not root.requires_grad:
        raise GraphError("backward(): this tensor does not require grad (no input of the ops "
                         "that made it requires grad, or it was made under no_grad())")
    backend = backends.backend_of(root.data)
    if grad is None:
        if root.data.size != 1:
            raise GraphError(f"backward(): grad can be omitted only for a tensor with one element; "
                             f"this one has shape {root.shape}: pass grad= of that shape")
        grad = backend.xp.ones_like(root.data)
    else:
        grad = getattr(grad, "data", grad)
        if backends._BY_ARRAY_TYPE.get(type(grad)) is not backend:
            grad = backend.asarray(grad, dtype=root.data.dtype)
        if tuple(grad.shape) != root.shape:
            raise ShapeError(f"backward(): grad has shape {tuple(grad.shape)} but the tensor has "
                             f"shape {root.shape}")
    node = root.creator
    if node is None:
        _accumulate_leaf(root, grad)
        return
    if node.inputs is None:
        raise _freed_error(node)
    # pending[node]: the gradient of its output (single-output ops) or a list of them.
    pending = {node: grad if node.output_meta is None else _one_slot(node, root.output_index, grad)}
    heap = []
    anomaly = STATE.anomaly
    while node is not None:
        grads_out = pending.pop(node)
        inputs = node.inputs
        if node.output_meta is None:
            grads_in = node.backward(grads_out)
        else:
            xp = node.xp
            grads_in = node.backward(*[xp.zeros(shape, dtype) if g is None else g
                                       for g, (shape, dtype) in zip(grads_out, node.output_meta)])
        if type(grads_in) is not tuple:
            grads_in = (grads_in,) if len(inputs) == 1 or type(grads_in) is not list else tuple(grads_in)
        if len(grads_in) != len(inputs):
            raise GraphError(f"{type(node).__name__}.backward returned {len(grads_in)} gradients "
                             f"for {len(inputs)} inputs")
        if anomaly:
            _check_finite(type(node), "backward", grads_in, grads_out, node.xp)
        # A chain (one new op to visit and nothing else waiting) skips the heap.
        follow = None
        for x, g, needed in zip(inputs, grads_in, node.needs_input_grad):
            if g is None or not needed:
                continue
            data = x.data
            if type(g) is not type(data):  # NumPy arithmetic on 0-d arrays gives scalars
                g = node.xp.asarray(g)
            if g.shape != data.shape:
                raise ShapeError(f"{type(node).__name__}.backward returned a gradient of shape "
                                 f"{tuple(g.shape)} for an input of shape {tuple(data.shape)}")
            creator = x.creator
            if creator is None:
                _accumulate_leaf(x, g)
            elif creator in pending:
                if creator.output_meta is None:
                    pending[creator] = pending[creator] + g
                else:
                    slots = pending[creator]
                    previous = slots[x.output_index]
                    slots[x.output_index] = g if previous is None else previous + g
            elif creator.inputs is None:
                raise _freed_error(creator)
            else:
                pending[creator] = g if creator.output_meta is None else _one_slot(creator, x.output_index, g)
                if follow is None and not heap:
                    follow = creator
                else:
                    _heappush(heap, (-creator.sequence, creator))
        if not retain_graph:
            node.__dict__.clear()  # frees the saved buffers; ``inputs`` falls back to None
        if follow is not None:
            if heap and heap[0][0] < -follow.sequence:  # another op became due first
                _heappush(heap, (-follow.sequence, follow))
                node = _heappop(heap)[1]
            else:
                node = follow
        else:
            node = _heappop(heap)[1] if heap else None


def _one_slot(node, index: int, grad) -> list:
    slots = [None] * len(node.output_meta)
    slots[index] = grad
    return slots


def _accumulate_leaf(leaf, grad) -> None:
    if grad.dtype != leaf.data.dtype:
        grad = grad.astype(leaf.data.dtype)
    if leaf.grad is None:
        # A copy: backward may hand the same array to several inputs, and users may
        # modify .grad in place (clipping, zeroing), which must not touch the others.
        leaf.grad = grad.copy()
    else:
        leaf.grad += grad  # in place: the array is our own copy, and a 0-d array stays an array


def _freed_error(node) -> GraphError:
    return GraphError(f"backward through {type(node).__name__} a second time: its saved buffers "
                      "were freed by the first backward; pass retain_graph=True to the first "
                      "backward() if you need to backward twice")
