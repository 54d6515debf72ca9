"""The arithmetic Neural Programmer: the simpler model of Olah & Carter's "augmented RNNs"
illustration of Neelakantan et al. (2015).

A controller reads the question; for ``steps`` steps it emits a softmax over operations and two
soft pointers (first and second argument) over the numbers of the question and the outputs of
the earlier steps. Every operation runs; the step's output is their probability-weighted
average (the paper's soft selection, §2.3). Trained on the final answer only, by default on
its likelihood summed over every discrete program (``expected_program_loss``). With
``greedy=True`` every softmax is replaced by its argmax: a discrete program.

Per step t (equation numbers of Neelakantan et al. 2015 where the piece is theirs):
    h_t = tanh(W^history [c_t; h_{t−1}])                        (eq. 4, history RNN)
    f_t = [q; attention read of the question z at h_t; h_t]
    α^op_t = softmax(U tanh(W^op f_t))                           (eq. 2, operation selector)
    p^a_t, p^b_t = softmax over slots of key_s · W^a f_t, key_s · W^b f_t
        (slots: question numbers, keyed by the question state at the number, eq. 1; and earlier
        outputs, keyed by a learned vector per step — our pointer form of the paper's
        pivot/scalar inputs); for t > 1 the first pointer's logit of the previous step's
        output gets a learned bias β, initialised to ``previous_step_bias`` (our prior: an
        operation acts on the running result by default, like the paper's scalar operations
        that read scalar_{t−1}; the controller can learn to point elsewhere)
    a = Σ_s p^a_s v_s;  b = Σ_s p^b_s v_s;  out_t = Σ_op α^op_t op(a, b)
    c_{t+1} = [α^op_t U; p^a_t keys; p^b_t keys]
"""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor
from ...nn import Linear, Module
from ...nn.layers import make_parameter
from ...nn.rnn import RNNCell
from .controller import QuestionEncoder, attend, gather_positions, masked_softmax, one_hot_argmax

ARITHMETIC_OPERATIONS = ("add", "subtract", "multiply", "divide", "copy")
DIVIDE_EPSILON = 1e-2  # a·b / (b² + ε): a/b for |b| ≫ 0.1, finite when a soft b passes 0


def apply_operations(first: Tensor, second: Tensor, exact: bool = False) -> list[Tensor]:
    """Every operation on (first, second) — each (B,) — in ``ARITHMETIC_OPERATIONS`` order.
    ``exact`` divides exactly (greedy execution); otherwise the guarded division is used."""
    if exact:  # a zero divisor gives 0 instead of inf/nan (the program is scored in float64)
        quotient = first / ops.where(second.data == 0, 1.0, second) * (second.data != 0)
    else:
        quotient = first * second / (second * second + DIVIDE_EPSILON)
    return [first + second, first - second, first * second, quotient, first]


class ArithmeticProgrammer(Module):
    """``forward(batch, greedy=False)`` -> dict with ``answer`` (B,), ``operation_weights``
    (T, B, O), ``first_pointer`` and ``second_pointer`` (T, B, slots)."""

    def __init__(self, vocabulary_size: int, embedding_size: int = 24, hidden_size: int = 48,
                 steps: int = 2, max_numbers: int = 3, previous_step_bias: float = 0.0,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        rng = rng or np.random.default_rng(0)
        self.steps, self.max_numbers = steps, max_numbers
        operations = len(ARITHMETIC_OPERATIONS)
        self.encoder = QuestionEncoder(vocabulary_size, embedding_size, hidden_size, rng=rng)
        self.operation_embeddings = make_parameter(rng.standard_normal((operations, embedding_size)) * 0.3)
        self.step_keys = make_parameter(rng.standard_normal((steps, hidden_size)) * 0.3)
        self.previous_step_bias = make_parameter(np.array([previous_step_bias]))
        self.history = RNNCell(embedding_size + 2 * hidden_size, hidden_size, rng=rng)
        features = 3 * hidden_size
        self.attention_query = Linear(2 * hidden_size, hidden_size, rng=rng)
        self.operation_hidden = Linear(features, embedding_size, rng=rng)
        self.first_query = Linear(features, hidden_size, rng=rng)
        self.second_query = Linear(features, hidden_size, rng=rng)

    def forward(self, batch, greedy: bool = False) -> dict:
        xp = self.step_keys.xp
        dtype = self.step_keys.dtype
        states, _, question = self.encoder(batch.word_ids, batch.word_mask)
        number_keys = gather_positions(states, batch.number_positions)        # (B, K, H)
        number_values = Tensor(xp.asarray(batch.numbers, dtype=dtype))
        number_mask = xp.asarray(batch.number_mask, dtype=dtype)
        batch_size = number_values.shape[0]
        history_state = self.history.initial_state(batch_size)
        selection = Tensor(xp.zeros((batch_size, self.history.input_size), dtype=dtype))
        values, keys, masks = [number_values], [number_keys], [number_mask]
        record = {"operation_weights": [], "first_pointer": [], "second_pointer": [], "outputs": []}
        output = None
        for step in range(self.steps):
            _, history_state = self.history(selection, history_state)  # eq. 4
            query = ops.tanh(self.attention_query(ops.concatenate([question, history_state], axis=1)))
            _, read = attend(states, query, batch.word_mask)
            features = ops.concatenate([question, read, history_state], axis=1)
            operation_logits = ops.tanh(self.operation_hidden(features)) @ self.operation_embeddings.T
            operation_weights = ops.softmax(operation_logits, axis=-1)          # eq. 2
            slot_keys = ops.concatenate(keys, axis=1)                            # (B, S, H)
            slot_values = ops.concatenate(values, axis=1)                        # (B, S)
            slot_mask = xp.concatenate(masks, axis=1)
            first_logits = ops.einsum("bsh,bh->bs", slot_keys, self.first_query(features))
            if step > 0:  # β on the previous step's output (the last slot)
                is_previous = xp.zeros(slot_mask.shape[1], dtype=dtype)
                is_previous[-1] = 1.0
                first_logits = first_logits + self.previous_step_bias * Tensor(is_previous)
            first = masked_softmax(first_logits, slot_mask)
            second = masked_softmax(ops.einsum("bsh,bh->bs", slot_keys, self.second_query(features)), slot_mask)
            if greedy:
                operation_weights = one_hot_argmax(operation_weights)
                first, second = one_hot_argmax(first, slot_mask), one_hot_argmax(second, slot_mask)
            first_value = ops.sum(first * slot_values, axis=1)
            second_value = ops.sum(second * slot_values, axis=1)
            results = ops.stack(apply_operations(first_value, second_value, exact=greedy), axis=1)
            output = ops.sum(operation_weights * results, axis=1)                # soft selection
            record["operation_weights"].append(operation_weights)
            record["first_pointer"].append(first)
            record["second_pointer"].append(second)
            record["outputs"].append(output)
            step_key = ops.broadcast_to(self.step_keys[step][None, None, :], (batch_size, 1, self.step_keys.shape[1]))
            keys.append(step_key)
            values.append(ops.expand_dims(output, 1))
            masks.append(xp.ones((batch_size, 1), dtype=dtype))
            selection = ops.concatenate([operation_weights @ self.operation_embeddings,
                                         ops.einsum("bs,bsh->bh", first, slot_keys),
                                         ops.einsum("bs,bsh->bh", second, slot_keys)], axis=1)
        record["answer"] = output
        return record


def describe_program(record: dict, index: int, numbers, max_numbers: int | None = None) -> list[tuple]:
    """The greedy program of example ``index``: [(operation, first slot, second slot)], slots
    named ``n0``.. (question numbers) and ``s0``.. (earlier steps' outputs)."""
    count = len(numbers) if max_numbers is None else max_numbers
    program = []
    for step, weights in enumerate(record["operation_weights"]):
        operation = ARITHMETIC_OPERATIONS[int(weights.numpy()[index].argmax())]
        slots = []
        for pointer in (record["first_pointer"][step], record["second_pointer"][step]):
            slot = int(pointer.numpy()[index].argmax())
            slots.append(f"n{slot}" if slot < count else f"s{slot - count}")
        program.append((operation, slots[0], slots[1]))
    return program


def run_program(program: list[tuple], numbers) -> float:
    """Execute a described program on ``numbers`` (NumPy floats): the last step's value."""
    outputs: list[float] = []
    value = float("nan")
    for operation, first, second in program:
        args = [float(numbers[int(s[1:])]) if s[0] == "n" else outputs[int(s[1:])] for s in (first, second)]
        with np.errstate(divide="ignore", invalid="ignore"):
            value = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
                     "divide": np.divide, "copy": lambda a, b: a}[operation](args[0], args[1])
        outputs.append(float(value))
    return value


def format_program(program: list[tuple], numbers) -> str:
    """``multiply(7, 3) -> subtract(s0, 5)``: pointers to numbers shown as their values;
    a ``copy`` keeps only its first argument."""
    def name(slot: str) -> str:
        return f"{numbers[int(slot[1:])]:g}" if slot[0] == "n" else slot
    parts = []
    for operation, first, second in program:
        parts.append(f"copy({name(first)})" if operation == "copy" else f"{operation}({name(first)}, {name(second)})")
    return " -> ".join(parts)


MAX_ENUMERATED_PROGRAMS = 50_000  # per question; 2 steps over 3 numbers make 45 · 80 = 3600


def _all_operations_exact(first, second, xp):
    """Every operation on constant backend arrays, stacked on a new axis after the leading
    ones: (..., ) × (..., ) -> (..., operations); a zero divisor gives 0 like greedy execution."""
    first, second = xp.broadcast_arrays(first, second)
    safe = xp.where(second == 0, 1.0, second)
    quotient = xp.where(second == 0, 0.0, first / safe)
    return xp.stack([first + second, first - second, first * second, quotient, first], axis=-1)


def expected_program_loss(record: dict, numbers, number_mask, answers, outcome_loss,
                          reduce: bool = True) -> Tensor:
    """E_program[ℓ(program's answer, y)] under the controller's selection distributions.

    The soft model of the paper scores the answer of the *averaged* program, which a blend of
    wrong operations can match (we saw it: the soft loss fell to 0.01 while the argmax programs
    were wrong). Here every discrete program (operation, first slot, second slot per step) is
    executed exactly on the question's numbers — constants, so no gradient flows through the
    values — and weighted by its probability Π_t α^op_t p^a_t p^b_t; the gradient reaches the
    selectors only. Still supervised by the final answer alone.

    ``numbers``, ``number_mask`` (B, K) and ``answers`` (B,) host arrays; ``outcome_loss(values,
    answers)`` maps the (B, M) candidate answers to per-program losses (B, M) on the backend.
    Returns the batch mean (a scalar Tensor), or with ``reduce=False`` the per-question
    expectation (B,)."""
    xp = record["answer"].xp
    dtype = record["answer"].dtype
    batch_size, count = np.shape(numbers)
    slot_values = xp.asarray(numbers, dtype=np.float64)[:, None, :]          # (B, M=1, S)
    path_probability = None                                                     # (B, M)
    for operation_weights, first, second in zip(record["operation_weights"], record["first_pointer"],
                                                record["second_pointer"]):
        paths, slots = slot_values.shape[1], slot_values.shape[2]
        operations = operation_weights.shape[1]
        size = paths * operations * slots * slots
        if size > MAX_ENUMERATED_PROGRAMS:
            raise ValueError(f"expected_program_loss: {size} programs per question exceed "
                             f"{MAX_ENUMERATED_PROGRAMS}; use fewer steps or the soft loss")
        # outcomes (B, M, S, S, O) -> (B, M, O, S, S): operation, then first and second slot
        outcomes = _all_operations_exact(slot_values[:, :, :, None], slot_values[:, :, None, :], xp)
        outcomes = xp.moveaxis(outcomes, -1, 2).reshape(batch_size, size)
        step_probability = (ops.reshape(operation_weights, (batch_size, 1, operations, 1, 1))
                            * ops.reshape(first, (batch_size, 1, 1, slots, 1))
                            * ops.reshape(second, (batch_size, 1, 1, 1, slots)))
        if path_probability is not None:
            step_probability = step_probability * ops.reshape(path_probability, (batch_size, paths, 1, 1, 1))
        path_probability = ops.reshape(step_probability, (batch_size, size))
        # each path keeps its slots and appends this step's outcome as a new slot
        kept = xp.repeat(slot_values, operations * slots * slots, axis=1)
        slot_values = xp.concatenate([kept, outcomes[:, :, None]], axis=2)
    losses = outcome_loss(slot_values[:, :, -1], xp.asarray(answers, dtype=np.float64)[:, None])
    per_question = ops.sum(path_probability * Tensor(losses.astype(dtype)), axis=1)
    return ops.sum(per_question) / batch_size if reduce else per_question
