"""``gradcheck``: compare an op's backward with central finite differences, in float64.

The check is one inner product. With a fixed random upstream gradient ``u`` for the outputs,
``L(x) = <u, f(x)>`` is a scalar whose gradient backward computes in one pass; its numerical
derivative along a direction ``v`` is ``(L(x + eps v) - L(x - eps v)) / (2 eps)``.

* Small problems (every checked input and every output at most ``full_limit`` elements) get
  the full Jacobian: numerically column by column, analytically one backward per output
  element, compared entry by entry.
* Large problems get ``directions`` random directions per input, plus ``samples`` single
  elements so that a failure can still name the worst element.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .. import backends
from .errors import GradcheckError
from .state import no_grad
from .tensor import Tensor, tensor, to_numpy


def gradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, full_limit: int = 128, directions: int = 4, samples: int = 16,
              seed: int = 0) -> bool:
    """Check the gradients of ``fn(*inputs)`` with respect to every input that requires grad.

    ``fn``: takes the inputs (tensors) and returns a tensor or a tuple of tensors.
    ``inputs``: tensors or arrays; arrays, and tensors that are not float64, are copied to
    float64 leaves (arrays then require grad). Returns True, or raises ``GradcheckError``
    naming the input, the worst element, and the analytic and numeric values.
    """
    leaves = [_as_float64_leaf(x) for x in inputs]
    checked = [i for i, x in enumerate(leaves) if x.requires_grad]
    if not checked:
        raise GradcheckError("gradcheck: no input requires grad, nothing to check")
    # float64 leaves are used as they are: leave their .grad as the caller had it.
    previous_grads = [x.grad for x in leaves]
    try:
        return _gradcheck(fn, leaves, checked, eps, atol, rtol, full_limit, directions, samples, seed)
    finally:
        for x, grad in zip(leaves, previous_grads):
            x.grad = grad


def _gradcheck(fn, leaves, checked, eps, atol, rtol, full_limit, directions, samples, seed) -> bool:
    rng = np.random.default_rng(seed)
    with no_grad():
        outputs = _outputs(fn, leaves)
    upstream = [rng.standard_normal(o.shape) for o in outputs]

    def objective() -> float:
        with no_grad():
            outs = _outputs(fn, leaves)
        return float(sum(float((o.numpy().astype(np.float64) * u).sum()) for o, u in zip(outs, upstream)))

    analytic = _analytic(fn, leaves, outputs, upstream)
    small = max(o.size for o in outputs) <= full_limit and all(leaves[i].size <= full_limit for i in checked)
    if small:
        _check_full_jacobian(fn, leaves, checked, outputs, eps, atol, rtol)
    for i in checked:
        _check_directions(objective, leaves[i], i, analytic[i], eps, atol, rtol, rng, directions, samples, small)
    return True


def _as_float64_leaf(x) -> Tensor:
    if isinstance(x, Tensor):
        if x.dtype == np.float64 and x.is_leaf:
            return x
        return tensor(x.data.astype(np.float64) if x.dtype.kind == "f" else x.data,
                      requires_grad=x.requires_grad and x.dtype.kind == "f")
    array = tensor(x)
    if array.dtype.kind == "f":
        return tensor(array.data.astype(np.float64), requires_grad=True)
    return array


def _outputs(fn, leaves) -> list:
    out = fn(*leaves)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in outs:
        if not isinstance(o, Tensor):
            raise GradcheckError(f"gradcheck: fn must return tensors, got {type(o).__name__}")
    return outs


def _analytic(fn, leaves, outputs, upstream) -> list:
    for x in leaves:
        x.grad = None
    outs = _outputs(fn, leaves)
    total = None
    for o, u in zip(outs, upstream):
        if not o.requires_grad:
            continue
        term = (o * tensor(backends.backend_of(o.data).from_host(u).astype(o.dtype))).sum()
        total = term if total is None else total + term
    if total is not None:
        total.backward()
    grads = [None if x.grad is None else backends.backend_of(x.grad).to_host(x.grad) for x in leaves]
    for x in leaves:
        x.grad = None
    return [np.zeros(x.shape) if x.requires_grad and g is None else g for x, g in zip(leaves, grads)]


def _perturbed(objective_or_fn, leaf: Tensor, flat_index: int, delta: float):
    backend = backends.backend_of(leaf.data)
    original = leaf.data
    bumped = backend.to_host(original).copy()
    bumped.reshape(-1)[flat_index] += delta
    leaf.data = backend.from_host(bumped)
    try:
        return objective_or_fn()
    finally:
        leaf.data = original


def _check_full_jacobian(fn, leaves, checked, outputs, eps, atol, rtol) -> None:
    sizes = [o.size for o in outputs]
    # Analytic Jacobian: one backward per output element.
    rows = {i: [] for i in checked}
    for k, o in enumerate(outputs):
        for j in range(o.size):
            for x in leaves:
                x.grad = None
            outs = _outputs(fn, leaves)
            target = outs[k]
            if not target.requires_grad:
                for i in checked:
                    rows[i].append(np.zeros(leaves[i].size))
                continue
            one_hot = np.zeros(o.size)
            one_hot[j] = 1.0
            seed_grad = backends.backend_of(target.data).from_host(one_hot.reshape(o.shape).astype(target.dtype))
            target.backward(seed_grad)
            for i in checked:
                g = leaves[i].grad
                rows[i].append(np.zeros(leaves[i].size) if g is None
                               else backends.backend_of(g).to_host(g).reshape(-1).astype(np.float64))
    for x in leaves:
        x.grad = None

    def flat_outputs():
        with no_grad():
            outs = _outputs(fn, leaves)
        return np.concatenate([o.numpy().astype(np.float64).reshape(-1) for o in outs])

    for i in checked:
        leaf = leaves[i]
        analytic = np.array(rows[i])  # (outputs, inputs)
        numeric = np.empty_like(analytic)
        for e in range(leaf.size):
            plus = _perturbed(flat_outputs, leaf, e, eps)
            minus = _perturbed(flat_outputs, leaf, e, -eps)
            numeric[:, e] = (plus - minus) / (2 * eps)
        _compare(analytic, numeric, atol, rtol, i, leaf, "full Jacobian", sizes)


def _check_directions(objective, leaf, i, analytic, eps, atol, rtol, rng, directions, samples, small):
    if not small:
        for d in range(directions):
            v = rng.standard_normal(leaf.shape)
            numeric = (_directional(objective, leaf, v, eps) - _directional(objective, leaf, v, -eps)) / (2 * eps)
            expected = float((analytic * v).sum())
            if not abs(expected - numeric) <= atol + rtol * abs(numeric):
                # Locate the worst single element for the message.
                _check_elements(objective, leaf, i, analytic, eps, atol, rtol, rng, max(samples, 64), force=True)
                raise GradcheckError(
                    f"gradcheck: input {i} (shape {leaf.shape}): directional derivative along random "
                    f"direction {d}: analytic {expected:.8g} vs numeric {numeric:.8g}")
    _check_elements(objective, leaf, i, analytic, eps, atol, rtol, rng, samples if not small else 0)


def _check_elements(objective, leaf, i, analytic, eps, atol, rtol, rng, count, force=False):
    if count <= 0 or leaf.size == 0:
        return
    picks = rng.choice(leaf.size, size=min(count, leaf.size), replace=False)
    flat = analytic.reshape(-1)
    worst = None
    for e in picks:
        numeric = (_perturbed(objective, leaf, int(e), eps) - _perturbed(objective, leaf, int(e), -eps)) / (2 * eps)
        excess = abs(flat[e] - numeric) - (atol + rtol * abs(numeric))
        if excess > 0 and (worst is None or excess > worst[0]):
            worst = (excess, int(e), flat[e], numeric)
    if worst is not None:
        _, e, a, n = worst
        index = np.unravel_index(e, leaf.shape) if leaf.shape else ()
        raise GradcheckError(f"gradcheck: input {i} (shape {leaf.shape}): worst element {tuple(int(k) for k in index)}: "
                             f"analytic {a:.8g} vs numeric {n:.8g} (atol {atol}, rtol {rtol})")


def _directional(objective, leaf, direction, eps) -> float:
    backend = backends.backend_of(leaf.data)
    original = leaf.data
    leaf.data = backend.from_host(backend.to_host(original).astype(np.float64) + eps * direction)
    try:
        return objective()
    finally:
        leaf.data = original


def _compare(analytic, numeric, atol, rtol, i, leaf, mode, sizes) -> None:
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    if (excess > 0).any():
        out_index, in_index = np.unravel_index(int(np.argmax(excess)), excess.shape)
        element = np.unravel_index(int(in_index), leaf.shape) if leaf.shape else ()
        raise GradcheckError(
            f"gradcheck ({mode}): input {i} (shape {leaf.shape}): worst element "
            f"{tuple(int(k) for k in element)} for output element {int(out_index)}: analytic "
            f"{analytic[out_index, in_index]:.8g} vs numeric {numeric[out_index, in_index]:.8g} "
            f"(atol {atol}, rtol {rtol}); {int((excess > 0).sum())} of {excess.size} Jacobian entries disagree")


def gradgradcheck(fn: Callable, inputs: Sequence, grad_outputs: Sequence | None = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, full_limit: int = 128,
                  directions: int = 4, samples: int = 16, seed: int = 0) -> bool:
    """Check the second derivatives of ``fn(*inputs)``: ``gradcheck`` of its first derivative.

    The first derivative is ``G(x) = ta.grad(<u, fn(x)>, x, create_graph=True)`` with a fixed
    random upstream gradient ``u`` per output (or ``grad_outputs``): a function of the inputs
    whose analytic backward is the double backward of ``fn``, and whose finite differences use
    the analytic first derivative. Same arguments and float64 rules as ``gradcheck``; raises
    ``GradcheckError`` whose message starts with ``gradgradcheck`` and names the input, the
    first-derivative output (one per checked input) and the worst element.
    """
    from .higher_order import grad as grad_of
    from .state import enable_grad

    leaves = [_as_float64_leaf(x) for x in inputs]
    checked = [i for i, x in enumerate(leaves) if x.requires_grad]
    if not checked:
        raise GradcheckError("gradgradcheck: no input requires grad, nothing to check")
    with no_grad():
        shapes = [o.shape for o in _outputs(fn, leaves)]
    rng = np.random.default_rng(seed + 1)
    upstream = ([rng.standard_normal(s) for s in shapes] if grad_outputs is None
                else [to_numpy(g).astype(np.float64) for g in grad_outputs])

    def zeros_like(x: Tensor) -> Tensor:  # the gradient of an input fn does not use
        return tensor(backends.backend_of(x.data).xp.zeros(x.shape, dtype=x.dtype))

    def first_derivative(*xs):
        wanted = [xs[i] for i in checked]
        with enable_grad():
            outs = _outputs(fn, xs)
            terms = [(o * tensor(backends.backend_of(o.data).from_host(u).astype(o.dtype))).sum()
                     for o, u in zip(outs, upstream) if o.requires_grad]
            if not terms:
                return tuple(zeros_like(x) for x in wanted)
            grads = grad_of(sum(terms[1:], terms[0]), wanted, create_graph=True, allow_unused=True)
        return tuple(zeros_like(x) if g is None else g for x, g in zip(wanted, grads))

    try:
        return gradcheck(first_derivative, leaves, eps=eps, atol=atol, rtol=rtol,
                         full_limit=full_limit, directions=directions, samples=samples, seed=seed)
    except GradcheckError as exc:
        raise GradcheckError("gradgradcheck (second derivatives; output k is the gradient of "
                             f"checked input k): {exc}") from None
