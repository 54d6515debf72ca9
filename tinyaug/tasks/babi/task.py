"""The ``babi`` task: bAbI-style question answering as token batches (tasks/base.py registry).

``make_task("babi", task_id=2)`` generates (seeded) ``train_questions`` training and
``test_questions`` test questions of that task type, or reads the real files
``qa<id>_*_train.txt`` / ``_test.txt`` when ``data_dir`` is given. ``batch(B, rng)`` draws B
training questions; ``batch(B, rng, split="test")`` test ones. A batch is a ``QAData`` (see
``encode.py``) rather than the (inputs, targets, mask) triple of the sequence tasks: a memory
model reads the facts as a set of sentences, a recurrent one as ``word_sequences``.
"""
from __future__ import annotations

import os

import numpy as np

from ..base import Task, check_batch_size, register_task
from .encode import QAData, build_answers, build_vocabulary, encode, pad_to, word_sequences
from .format import find_task_files, read_stories, write_stories
from .generate import GENERATORS, check_task_id, generate_split, generate_validation

STOP, QUERY = ".", "?"


@register_task
class BabiTask(Task):
    """bAbI-style QA (Weston et al. 2015); ``input_size`` = vocabulary size (id 0 = no word),
    ``output_size`` = number of answer classes."""

    name = "babi"
    defaults = {"task_id": 1, "train_questions": 10000, "test_questions": 1000,
                "memory_size": 50, "data_dir": "", "data_seed": 0}

    def __init__(self, task_id: int = 1, train_questions: int = 10000, test_questions: int = 1000,
                 memory_size: int = 50, data_dir: str = "", data_seed: int = 0) -> None:
        self.task_id, self.memory_size = int(task_id), int(memory_size)
        self.train_questions, self.test_questions = int(train_questions), int(test_questions)
        self.data_dir, self.data_seed = data_dir, int(data_seed)
        if self.memory_size < 1:
            raise ValueError(f"babi: memory_size must be >= 1, got {memory_size}")
        if data_dir:
            train_path, test_path = find_task_files(data_dir, self.task_id)
            self.train_stories, self.test_stories = read_stories(train_path), read_stories(test_path)
        else:
            check_task_id(self.task_id)
            self.train_stories, self.test_stories = generate_split(
                self.task_id, self.train_questions, self.test_questions, self.data_seed)
        self.vocabulary = build_vocabulary(self.train_stories, self.test_stories, extra=(STOP, QUERY))
        self.answers = build_answers(self.train_stories, self.test_stories, task_id=self.task_id)
        train = encode(self.train_stories, self.vocabulary, self.answers, self.memory_size, self.task_id)
        test = encode(self.test_stories, self.vocabulary, self.answers, self.memory_size, self.task_id)
        lengths = (max(train.facts.shape[2], test.facts.shape[2]),
                   max(train.question.shape[1], test.question.shape[1]))
        self.splits = {"train": pad_to(train, *lengths), "test": pad_to(test, *lengths)}
        super().__init__(input_size=len(self.vocabulary), output_size=len(self.answers))

    @property
    def stop_id(self) -> int:
        return self.vocabulary.index(STOP)

    @property
    def query_id(self) -> int:
        return self.vocabulary.index(QUERY)

    def batch(self, batch_size: int, rng: np.random.Generator, split: str = "train") -> QAData:
        check_batch_size(self, batch_size)
        data = self._split(split)
        return data.take(rng.integers(0, len(data), size=batch_size))

    def _split(self, split: str) -> QAData:
        if split not in self.splits:
            raise ValueError(f"babi: split must be 'train' or 'test', got {split!r}")
        return self.splits[split]

    def all(self, split: str = "test") -> QAData:
        return self._split(split)

    def validation(self, questions: int = 1000) -> QAData:
        """``questions`` generated questions from a third stream (stories in neither the
        training nor the test split), encoded with this task's vocabulary and answers: for
        choosing among trained runs without looking at the test set. Generated data only."""
        if self.data_dir:
            raise ValueError("babi: validation() generates held-out stories; with data_dir "
                             "there is no generator (hold out training questions instead)")
        keys = {story.key() for story in self.train_stories + self.test_stories}
        stories = generate_validation(self.task_id, questions, self.data_seed, keys)
        data = encode(stories, self.vocabulary, self.answers, self.memory_size, self.task_id)
        train = self.splits["train"]
        if data.facts.shape[2] > train.facts.shape[2] or data.question.shape[1] > train.question.shape[1]:
            raise ValueError(f"babi: validation sentences are longer than the training ones "
                             f"({data.facts.shape[2]}, {data.question.shape[1]} words)")
        return pad_to(data, train.facts.shape[2], train.question.shape[1])

    def sequences(self, data: QAData) -> tuple[np.ndarray, np.ndarray]:
        """``word_sequences`` of ``data`` with this vocabulary's '.' and '?' markers."""
        return word_sequences(data, self.stop_id, self.query_id)

    def params(self):
        return {key: getattr(self, key) for key in self.defaults}


def write_generated(folder: str, task_ids=None, train_questions: int = 10000,
                    test_questions: int = 1000, seed: int = 0) -> list[str]:
    """Write generated tasks as bAbI files ``qa<id>_<name>_{train,test}.txt`` in ``folder``."""
    paths = []
    for task_id in task_ids or sorted(GENERATORS):
        train, test = generate_split(task_id, train_questions, test_questions, seed)
        stem = os.path.join(folder, f"qa{task_id}_{GENERATORS[task_id][0]}")
        paths += [write_stories(f"{stem}_train.txt", train), write_stories(f"{stem}_test.txt", test)]
    return paths
