"""The table Neural Programmer (Neelakantan, Le & Sutskever 2015).

For T steps the controller selects an operation and a column by softmax; the operations of
``operations.py`` all run on the table and the earlier outputs, and each output type (row
selector, scalar, lookup) is the mixture of the operations of that type (§2.3). The answer is
the last step's scalar (scalar questions) or lookup (lookup questions). Equations, paper numbering:

    z_i = tanh(W^question [z_{i−1}; V(w_i)]),  q = z_Q              (eq. 1)   controller.py
    h_t = tanh(W^history [c_t; h_{t−1}])                            (eq. 4)
    c_t = [Σ_op α^op_{t−1} U_op ; Σ_j α^col_{t−1} P_j]              (§2.2)
    α^op_t  = softmax(U tanh(W^op [q; h_t]))                        (eq. 2)
    α^col_t = softmax(P (tanh(W^col [q; h_t]) + e_t)),  P_j = V(name_j)   (eq. 3, + e_t: ours)
    β_t = softmax_k(z_{num_k} · W^pivot [q; h_t])   pivot attention over the question's numbers
    rs_t = α(greater) g_t + α(lesser) l_t + α(and) min(rs_{t−1}, rs_{t−2})
           + α(or) max(rs_{t−1}, rs_{t−2}) + α(reset) 1             (§2.3, row selector)
    scalar_t = α(sum) Σ_j α^col_j Σ_i rs_{t−1,i} T_ij + α(count) Σ_i rs_{t−1,i}
               + α(difference) (scalar_{t−3} − scalar_{t−1})
    lookup_t[i, j] = α(assign) α^col_j rs_{t−1,i}
    rs_0 = rs_{−1} = 1 (all real rows); scalar_{≤0} = 0.

Our additions (assumptions, not the 2015 text): [q; h_t] is extended with an attention read
of the question states and of the word embeddings (e_t) at step t (see controller.py); e_t is
also matched directly against the column-name embeddings; and the comparison
is mixed over candidate pivots (operations.py) so that β receives a gradient. With
``question_features="match"`` (the default) the attention keys are [forward; backward] question
RNN states, the mean word embedding joins [q; h_t], and the column logits get
γ · Σ_l attention_l [word_l = name_j] + δ · [name_j occurs in the question] (exact name
match, as the 2017 Neural Programmer's word-match features). With ``anonymize_columns``
(default) the question RNNs read every column name of the table as one learned <column> word,
as numbers are read as <num>. Questions without a number cannot use greater/lesser (their
padded number slot would act as a pivot 0). Training (``table_likelihood.py``) maximises the likelihood of the right
answer summed over the discrete programs; the soft execution below is then only used at test
time (greedy) and by the paper's soft loss (``loss``).
"""
from __future__ import annotations

import numpy as np

from ...autograd import ops
from ...autograd.tensor import Tensor
from ...nn import Linear, Module
from ...nn.layers import make_parameter
from ...nn.rnn import RNNCell
from . import operations as O
from .controller import QuestionEncoder, attend, gather_positions, masked_softmax, one_hot_argmax

OPERATION_INDEX = {name: index for index, name in enumerate(O.OPERATIONS)}
USES_COLUMN = {"sum", "greater", "lesser", "assign"}
USES_PIVOT = {"greater", "lesser"}


class TableProgrammer(Module):
    """``forward(batch, greedy=False)`` -> dict with ``scalar`` (B,), ``lookup`` (B, R, C) and
    per-step lists ``operation_weights`` (B, O), ``column_weights`` (B, C), ``pivot_weights``
    (B, K), ``rows`` (B, R). ``batch`` is a ``tinyaug.tasks.tables.TableBatch``.

    ``question_features``: ``"match"`` (backward RNN keys, bag of words, exact column-name
    match and mention terms) or ``"plain"`` (the earlier model); ``anonymize_columns`` (only
    with ``"match"``): read column names as one <column> word."""

    def __init__(self, vocabulary_size: int, embedding_size: int = 32, hidden_size: int = 48,
                 steps: int = 4, question_features: str = "match", anonymize_columns: bool = True,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if question_features not in ("match", "plain"):
            raise ValueError(f"TableProgrammer: question_features must be 'match' or 'plain', got {question_features!r}")
        rng = rng or np.random.default_rng(0)
        self.steps = steps
        self.match = question_features == "match"
        self.encoder = QuestionEncoder(vocabulary_size, embedding_size, hidden_size, rng=rng)
        self.operation_embeddings = make_parameter(rng.standard_normal((len(O.OPERATIONS), embedding_size)) * 0.3)
        self.history = RNNCell(2 * embedding_size, hidden_size, rng=rng)
        key_size = 2 * hidden_size if self.match else hidden_size
        features = 2 * hidden_size + key_size + embedding_size + (embedding_size if self.match else 0)
        self.attention_query = Linear(2 * hidden_size, key_size, rng=rng)
        self.operation_hidden = Linear(features, embedding_size, rng=rng)
        self.column_hidden = Linear(features, embedding_size, rng=rng)
        self.pivot_query = Linear(features, key_size, rng=rng)
        if self.match:
            # "match" features (ours, after the 2017 Neural Programmer's word-match features):
            # a backward question RNN, so that a word's key also encodes what follows it
            # ("{c2} less than" vs "sum of {c1}"); the mean word embedding (a bag of words,
            # robust to rephrasing); and an exact-match score between the attended words and
            # each column name, scaled by a learned γ; plus a learned bonus δ for every column
            # named anywhere in the question (the selector's prior when attention is elsewhere).
            self.backward_rnn = RNNCell(embedding_size, hidden_size, rng=rng)
            self.match_scale = make_parameter(np.array([5.0]))
            self.mention_scale = make_parameter(np.array([1.0]))
        # Column names in the question are read as one learned <column> word (as numbers are
        # read as <num>), so the controller's choice of operations cannot depend on which
        # names appear; the columns themselves are found by the exact-match terms above.
        self.anonymize_columns = anonymize_columns and self.match
        if self.anonymize_columns:
            self.column_word = make_parameter(rng.standard_normal(embedding_size) * 0.1)

    def _backward_states(self, embedded: Tensor, word_mask) -> Tensor:
        """The backward question RNN's states (B, L, H); left padding leaves them at zero."""
        xp = embedded.xp
        mask = xp.asarray(word_mask).astype(embedded.dtype)
        state = self.backward_rnn.initial_state(embedded.shape[0])
        states = [None] * embedded.shape[1]
        for position in reversed(range(embedded.shape[1])):
            _, new_state = self.backward_rnn(embedded[:, position], state)
            keep = Tensor(mask[:, position:position + 1])
            state = keep * new_state + (1.0 - keep) * state
            states[position] = state
        return ops.stack(states, axis=1)

    def forward(self, batch, greedy: bool = False, execute: bool = True) -> dict:
        """``execute=False`` computes only the selectors (enough for ``table_likelihood``)."""
        xp = self.operation_embeddings.xp
        dtype = self.operation_embeddings.dtype
        word_mask = xp.asarray(batch.word_mask, dtype=dtype)
        if self.match:
            names_in_question = Tensor(xp.asarray(
                (batch.word_ids[:, :, None] == batch.column_ids[:, None, :])
                * batch.word_mask[:, :, None] * batch.column_mask[:, None, :], dtype=dtype))   # (B, L, C)
            named_columns = Tensor(xp.minimum(names_in_question.data.sum(axis=1), 1.0))        # (B, C)
        embedded = self.encoder.words(xp.asarray(batch.word_ids))
        if self.anonymize_columns:
            is_name = Tensor(xp.minimum(names_in_question.data.sum(axis=2, keepdims=True), 1.0))  # (B, L, 1)
            embedded = embedded * (1.0 - is_name) + is_name * self.column_word
        states, embedded, question = self.encoder.read(embedded, batch.word_mask)
        if self.match:
            states = ops.concatenate([states, self._backward_states(embedded, batch.word_mask)], axis=2)
            bag_of_words = (ops.einsum("bl,ble->be", Tensor(word_mask), embedded)
                            / Tensor(word_mask.sum(axis=1, keepdims=True)))
        table = Tensor(xp.asarray(batch.table, dtype=dtype))
        numbers = Tensor(xp.asarray(batch.numbers, dtype=dtype))
        row_mask = Tensor(xp.asarray(batch.row_mask, dtype=dtype))
        column_mask = xp.asarray(batch.column_mask, dtype=dtype)
        number_mask = xp.asarray(batch.number_mask, dtype=dtype)
        # greater/lesser compare with a number of the question: unavailable without one (else
        # the padded slot's 0 acts as a number, e.g. greater(c, 0) standing in for reset)
        has_numbers = (number_mask.sum(axis=1) > 0).astype(dtype)
        operation_mask = xp.ones((number_mask.shape[0], len(O.OPERATIONS)), dtype=dtype)
        for name in USES_PIVOT:
            operation_mask[:, OPERATION_INDEX[name]] = has_numbers
        column_names = self.encoder.words(xp.asarray(batch.column_ids))      # P: (B, C, E)
        number_keys = gather_positions(states, batch.number_positions)       # z at numbers: (B, K, H)
        greater_table, lesser_table = O.comparisons(table, numbers, row_mask) if execute else (None, None)
        batch_size = table.shape[0]
        zero_scalar = Tensor(xp.zeros(batch_size, dtype=dtype))
        rows_history = [row_mask, row_mask]                                   # rs_{−1}, rs_0
        scalar_history = [zero_scalar, zero_scalar, zero_scalar]             # scalar_{−2..0}
        history_state = self.history.initial_state(batch_size)
        selection = Tensor(xp.zeros((batch_size, self.history.input_size), dtype=dtype))
        record = {key: [] for key in ("operation_weights", "column_weights", "pivot_weights",
                                      "attention", "rows", "scalars")}
        lookup = None
        for _ in range(self.steps):
            _, history_state = self.history(selection, history_state)          # eq. 4
            query = ops.tanh(self.attention_query(ops.concatenate([question, history_state], axis=1)))
            attention, read = attend(states, query, batch.word_mask)
            word_read = ops.einsum("bl,ble->be", attention, embedded)
            parts = [question, read, word_read, history_state] + ([bag_of_words] if self.match else [])
            features = ops.concatenate(parts, axis=1)
            operation_logits = ops.tanh(self.operation_hidden(features)) @ self.operation_embeddings.T
            operation_weights = masked_softmax(operation_logits, operation_mask)             # eq. 2
            # eq. 3, plus a direct match of the attended question word with each column name
            # (our addition: a pointer-style shortcut for naming columns on a CPU budget)
            column_query = ops.tanh(self.column_hidden(features)) + word_read
            column_logits = ops.einsum("bce,be->bc", column_names, column_query)
            if self.match:  # γ · Σ_l attention_l [word_l = name_j] + δ · [name_j in the question]
                column_logits = (column_logits + self.match_scale * ops.einsum("bl,blc->bc", attention, names_in_question)
                                 + self.mention_scale * named_columns)
            column_weights = masked_softmax(column_logits, column_mask)                      # eq. 3
            pivot_logits = ops.einsum("bkh,bh->bk", number_keys, self.pivot_query(features))
            pivot_weights = masked_softmax(pivot_logits, number_mask)
            if greedy:
                operation_weights = one_hot_argmax(operation_weights, operation_mask)
                column_weights = one_hot_argmax(column_weights, column_mask)
                pivot_weights = one_hot_argmax(pivot_weights, number_mask)
            rows = scalar = None
            if execute:
                previous, before_previous = rows_history[-1], rows_history[-2]
                weight = {name: operation_weights[:, index] for name, index in OPERATION_INDEX.items()}
                rows = (weight["greater"][:, None] * O.compare_rows(greater_table, column_weights, pivot_weights)
                        + weight["lesser"][:, None] * O.compare_rows(lesser_table, column_weights, pivot_weights)
                        + weight["and"][:, None] * O.and_rows(previous, before_previous)
                        + weight["or"][:, None] * O.or_rows(previous, before_previous)
                        + weight["reset"][:, None] * row_mask)
                scalar = (weight["sum"] * O.sum_column(table, column_weights, previous)
                          + weight["count"] * O.count_rows(previous)
                          + weight["difference"] * O.difference(scalar_history[-3], scalar_history[-1]))
                lookup = weight["assign"][:, None, None] * O.assign_lookup(column_weights, previous)
                rows_history.append(rows)
                scalar_history.append(scalar)
            for key, value in (("operation_weights", operation_weights), ("column_weights", column_weights),
                               ("pivot_weights", pivot_weights), ("attention", attention),
                               ("rows", rows), ("scalars", scalar)):
                record[key].append(value)
            selection = ops.concatenate([operation_weights @ self.operation_embeddings,
                                         ops.einsum("bc,bce->be", column_weights, column_names)], axis=1)
        record["scalar"] = scalar_history[-1] if execute else None
        record["lookup"] = lookup
        return record


def loss(record: dict, batch, huber_delta: float = 1.0, value_scale: float = 100.0,
         lookup_weight: float = 1.0) -> Tensor:
    """(1/B) Σ_b [(1 − lookup_b) Huber(scalar_b − y_b) + λ lookup_b · log loss over cells] (§2.5).

    Scalars are divided by ``value_scale`` before the Huber loss (cells are 0–99 and sums reach
    10⁴); the lookup log loss is the mean over the table's real cells.
    """
    xp = record["scalar"].xp
    dtype = record["scalar"].dtype
    is_lookup = xp.asarray(batch.is_lookup, dtype=dtype)
    target = Tensor(xp.asarray(batch.scalar_answer / value_scale, dtype=dtype))
    scalar_loss = ops.huber(record["scalar"] * (1.0 / value_scale), target, delta=huber_delta, reduction="none")
    cells = xp.asarray(batch.row_mask[:, :, None] * batch.column_mask[:, None, :], dtype=dtype)
    answer = xp.asarray(batch.lookup_answer, dtype=dtype)
    probability = ops.clip(record["lookup"], 1e-6, 1 - 1e-6)
    log_loss = -(Tensor(answer) * ops.log(probability) + Tensor(1 - answer) * ops.log(1 - probability))
    lookup_loss = ops.sum(log_loss * Tensor(cells), axis=(1, 2)) / Tensor(xp.maximum(cells.sum(axis=(1, 2)), 1))
    per_example = Tensor(1 - is_lookup) * scalar_loss + lookup_weight * Tensor(is_lookup) * lookup_loss
    return ops.mean(per_example)


def correct(record: dict, batch) -> np.ndarray:
    """Per example: the scalar within 0.5 of the answer, or the lookup cells (> 0.5) exactly the
    answer's cells. Meant for greedy records, where both are exact."""
    scalar = record["scalar"].numpy()
    lookup = record["lookup"].numpy() > 0.5
    scalar_ok = np.abs(scalar - batch.scalar_answer) < 0.5
    lookup_ok = np.all(lookup == (batch.lookup_answer > 0.5), axis=(1, 2))
    return np.where(batch.is_lookup > 0, lookup_ok, scalar_ok)


def describe_program(record: dict, index: int) -> list[tuple]:
    """The greedy steps of example ``index``: [(operation, column index, number index)]."""
    steps = []
    for op_w, col_w, piv_w in zip(record["operation_weights"], record["column_weights"], record["pivot_weights"]):
        operation = O.OPERATIONS[int(op_w.numpy()[index].argmax())]
        column = int(col_w.numpy()[index].argmax()) if operation in USES_COLUMN else None
        pivot = int(piv_w.numpy()[index].argmax()) if operation in USES_PIVOT else None
        steps.append((operation, column, pivot))
    return steps


def live_steps(program: list[tuple]) -> list[int]:
    """Indices of the steps the final output depends on (dead steps are dropped when printing)."""
    needed, live = {len(program) - 1}, []
    for t in range(len(program) - 1, -1, -1):
        if t not in needed:
            continue
        live.append(t)
        operation = program[t][0]
        if operation in ("sum", "count", "assign"):
            needed.add(t - 1)
        elif operation in ("and", "or"):
            needed.update((t - 1, t - 2))
        elif operation == "difference":
            needed.update((t - 1, t - 3))
    return sorted(t for t in live if t >= 0)


def format_program(program: list[tuple], columns: list[str], numbers, full: bool = False) -> str:
    """``greater(population, 40) -> count``; with ``full`` every step, else only live ones."""
    parts = []
    for t in (range(len(program)) if full else live_steps(program)):
        operation, column, pivot = program[t]
        arguments = []
        if column is not None:
            arguments.append(columns[column] if column < len(columns) else f"<column {column}>")
        if pivot is not None:
            arguments.append(f"{numbers[pivot]:g}" if pivot < len(numbers) else f"<number {pivot}>")
        parts.append(f"{operation}({', '.join(arguments)})" if arguments else operation)
    return " -> ".join(parts)
