"""Matrix products: batched, broadcasting ``matmul`` and ``einsum``."""
from __future__ import annotations

from ...backends.blas_threads import matmul as _product
from ..errors import ShapeError
from ..function import Function
from ._util import pair, unbroadcast


class Matmul(Function):
    """``a @ b`` with NumPy's rules: 1-D operands are promoted, batch dimensions broadcast."""

    double_backward = True

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul: {a.shape} @ {b.shape}: operands must have at least one dimension")
        inner_a = a.shape[-1]
        inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if inner_a != inner_b:
            raise ShapeError(f"matmul: {a.shape} @ {b.shape}: inner dimensions {inner_a} != {inner_b}")
        self.a, self.b = a, b
        return _product(a, b)

    def backward(self, grad):
        xp = self.xp
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            grad = xp.expand_dims(grad, -2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            grad = xp.expand_dims(grad, -1)
        ga = gb = None
        if need_a:
            ga = unbroadcast(_product(grad, xp.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if need_b:
            gb = unbroadcast(_product(xp.swapaxes(a2, -1, -2), grad), b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a, b):
    return Matmul.apply(*pair(a, b))


class Einsum(Function):
    """``einsum(subscripts, *operands)`` with explicit letters (no ``...``, no repeated
    letter within one operand). The gradient of operand k is the einsum of the output
    gradient with the other operands, broadcast over letters that only operand k has."""

    double_backward = True

    def forward(self, *operands):
        inputs, output = _parse_subscripts(self.subscripts, len(operands))
        for letters, array in zip(inputs, operands):
            if len(letters) != array.ndim:
                raise ShapeError(f"einsum '{self.subscripts}': operand '{letters}' has shape "
                                 f"{array.shape} ({array.ndim} dimensions, {len(letters)} letters)")
        sizes = {}
        for letters, array in zip(inputs, operands):
            for letter, size in zip(letters, array.shape):
                if sizes.setdefault(letter, size) != size:
                    raise ShapeError(f"einsum '{self.subscripts}': letter '{letter}' has sizes "
                                     f"{sizes[letter]} and {size} (operand shapes "
                                     + ", ".join(str(a.shape) for a in operands) + ")")
        self.inputs_letters, self.output_letters, self.operands = inputs, output, operands
        return self.xp.einsum(f"{','.join(inputs)}->{output}", *operands)

    def backward(self, grad):
        xp = self.xp
        grads = []
        for k, letters in enumerate(self.inputs_letters):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [(l, op) for j, (l, op) in enumerate(zip(self.inputs_letters, self.operands)) if j != k]
            available = set(self.output_letters).union(*[set(l) for l, _ in others])
            kept = "".join(c for c in letters if c in available)
            spec = ",".join([self.output_letters] + [l for l, _ in others]) + "->" + kept
            partial = xp.einsum(spec, grad, *[op for _, op in others])
            shape = [self.operands[k].shape[i] if c in available else 1 for i, c in enumerate(letters)]
            partial = partial.reshape(shape)
            grads.append(xp.broadcast_to(partial, self.operands[k].shape))
        return tuple(grads)


def einsum(subscripts: str, *operands):
    return Einsum.apply(*operands, subscripts=subscripts)


def _parse_subscripts(subscripts: str, count: int):
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise ShapeError(f"einsum '{subscripts}': '...' is not supported; name every axis")
    if "->" in spec:
        left, output = spec.split("->")
    else:
        left = spec
        letters = left.replace(",", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    inputs = left.split(",")
    if len(inputs) != count:
        raise ShapeError(f"einsum '{subscripts}': {len(inputs)} operand subscripts for {count} operands")
    for letters in inputs:
        if len(set(letters)) != len(letters):
            raise ShapeError(f"einsum '{subscripts}': repeated letters within one operand "
                             f"('{letters}', a diagonal) are not supported")
    return inputs, output
