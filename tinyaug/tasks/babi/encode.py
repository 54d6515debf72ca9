"""Stories to arrays: word ids of the facts a question can see, of the question, the answer
class and which facts support it.

``encode(stories, vocabulary, answers, memory_size)`` -> ``QAData`` with

    facts      (N, memory_size, sentence_length) int64 word ids, 0 = no word
    fact_mask  (N, memory_size) 1.0 where a slot holds a fact (facts in story order, the
               ``memory_size`` most recent before the question; empty slots after them)
    question   (N, question_length) int64 word ids
    answer     (N,) int64 index into ``answers``
    support    (N, memory_size) 1.0 where the slot holds a supporting fact

Words are lower-cased with the full stop and question mark dropped (as Sukhbaatar et al. 2015
did). A multi-word answer is one class (``n,w`` in task 19); in task 8 (lists/sets) the
objects are sorted first, so that 'milk,football' and 'football,milk' are the same set.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .format import Question, Story, iter_examples

NIL = "<nil>"
#: Tasks whose answers are sets (order does not matter).
SET_ANSWER_TASKS = {8}


def words(text: str) -> list[str]:
    return re.sub(r"[.?!,]", " ", text.lower()).split()


def canonical_answer(answer: str, task_id: int) -> str:
    if task_id in SET_ANSWER_TASKS and "," in answer:
        return ",".join(sorted(answer.split(",")))
    return answer


def build_vocabulary(*story_lists: list[Story], extra: tuple[str, ...] = ()) -> list[str]:
    """Sorted words of every fact and question, after ``NIL`` (id 0) and ``extra`` markers."""
    found = set()
    for stories in story_lists:
        for story in stories:
            for _, text in story.lines:
                found.update(words(text))
    return [NIL, *extra, *sorted(found - set(extra) - {NIL})]


def build_answers(*story_lists: list[Story], task_id: int) -> list[str]:
    return sorted({canonical_answer(q.answer, task_id)
                   for stories in story_lists for _, q in iter_examples(stories)})


@dataclass
class QAData:
    facts: np.ndarray
    fact_mask: np.ndarray
    question: np.ndarray
    answer: np.ndarray
    support: np.ndarray

    def __len__(self) -> int:
        return len(self.answer)

    def take(self, indices: np.ndarray) -> "QAData":
        return QAData(*(array[indices] for array in (self.facts, self.fact_mask, self.question,
                                                      self.answer, self.support)))


def _ids(tokens: list[str], vocabulary: dict[str, int], where: str) -> list[int]:
    unknown = [t for t in tokens if t not in vocabulary]
    if unknown:
        raise ValueError(f"bAbI encoder: {where}: words {unknown} are not in the vocabulary")
    return [vocabulary[t] for t in tokens]


def encode(stories: list[Story], vocabulary: list[str], answers: list[str], memory_size: int,
           task_id: int) -> QAData:
    """Arrays of every question of ``stories`` (see the module docstring)."""
    index = {word: i for i, word in enumerate(vocabulary)}
    answer_index = {a: i for i, a in enumerate(answers)}
    examples: list[tuple[list[list[int]], list[int], int, list[bool]]] = []
    for story, question in iter_examples(stories):
        visible = story.facts_before(question)[-memory_size:]
        facts = [_ids(words(text), index, f"fact {i}") for i, text in visible]
        supports = [i in question.supporting for i, _ in visible]
        answer = canonical_answer(question.answer, task_id)
        if answer not in answer_index:
            raise ValueError(f"bAbI encoder: answer {answer!r} is not among the answer classes")
        examples.append((facts, _ids(words(question.text), index, "question"),
                         answer_index[answer], supports))
    sentence_length = max([len(f) for e in examples for f in e[0]] + [1])
    question_length = max(len(e[1]) for e in examples)
    count = len(examples)
    facts = np.zeros((count, memory_size, sentence_length), dtype=np.int64)
    fact_mask = np.zeros((count, memory_size))
    question_ids = np.zeros((count, question_length), dtype=np.int64)
    support = np.zeros((count, memory_size))
    for n, (fact_ids, q_ids, _, supports) in enumerate(examples):
        for slot, ids in enumerate(fact_ids):
            facts[n, slot, :len(ids)] = ids
        fact_mask[n, :len(fact_ids)] = 1.0
        support[n, :len(supports)] = supports
        question_ids[n, :len(q_ids)] = q_ids
    answer_ids = np.array([e[2] for e in examples], dtype=np.int64)
    return QAData(facts, fact_mask, question_ids, answer_ids, support)


def pad_to(data: QAData, sentence_length: int, question_length: int) -> QAData:
    """``data`` with facts and questions padded (with NIL) to the given lengths."""
    facts = np.zeros(data.facts.shape[:2] + (sentence_length,), dtype=np.int64)
    facts[:, :, :data.facts.shape[2]] = data.facts
    question = np.zeros((len(data), question_length), dtype=np.int64)
    question[:, :data.question.shape[1]] = data.question
    return QAData(facts, data.fact_mask, question, data.answer, data.support)


def word_sequences(data: QAData, stop_id: int, query_id: int) -> tuple[np.ndarray, np.ndarray]:
    """The facts and question as one word sequence per example, for a recurrent reader:
    each fact's words then ``stop_id``, then the question's words then ``query_id`` (the step
    whose output answers). Returns ``tokens`` (time, N) padded with 0 at the end and
    ``last`` (N,) the index of the ``query_id`` step."""
    sequences = []
    for n in range(len(data)):
        sequence: list[int] = []
        for slot in np.flatnonzero(data.fact_mask[n]):
            sequence += [int(w) for w in data.facts[n, slot] if w] + [stop_id]
        sequence += [int(w) for w in data.question[n] if w] + [query_id]
        sequences.append(sequence)
    length = max(len(s) for s in sequences)
    tokens = np.zeros((length, len(data)), dtype=np.int64)
    for n, sequence in enumerate(sequences):
        tokens[:len(sequence), n] = sequence
    return tokens, np.array([len(s) - 1 for s in sequences], dtype=np.int64)
