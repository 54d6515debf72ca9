"""The bAbI text format (Weston et al. 2015, the files of facebook/bAbI-tasks), written and read.

One line per sentence, numbered from 1 within a story; a line numbered 1 starts a new story::

    1 Mary moved to the bathroom.
    2 John went to the hallway.
    3 Where is Mary? 	bathroom	1

A question line holds the question, a TAB, the answer (several words joined by commas, e.g.
``milk,football`` or ``n,w``), a TAB, and the ids of the supporting sentences separated by
spaces. Questions count in the numbering but are not facts a later question can rest on.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator


class BabiFormatError(ValueError):
    """A line that is not in the bAbI format; the message names the file and line."""


@dataclass(frozen=True)
class Question:
    """One question of a story: its line id, text, answer and supporting-fact ids."""

    line_id: int
    text: str
    answer: str
    supporting: tuple[int, ...]


@dataclass
class Story:
    """A story: ``lines`` maps each line id to its text, in order; ``questions`` in order.

    ``facts_before(question)`` gives the (id, text) statements a reader has seen when the
    question is asked (questions themselves are not facts)."""

    lines: list[tuple[int, str]] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)

    def add_fact(self, text: str) -> int:
        line_id = self.next_id()
        self.lines.append((line_id, text))
        return line_id

    def add_question(self, text: str, answer: str, supporting: Iterable[int]) -> Question:
        question = Question(self.next_id(), text, answer, tuple(sorted(int(i) for i in supporting)))
        self.lines.append((question.line_id, text))
        self.questions.append(question)
        return question

    def next_id(self) -> int:
        return len(self.lines) + 1

    @property
    def question_ids(self) -> set[int]:
        return {q.line_id for q in self.questions}

    def facts_before(self, question: Question) -> list[tuple[int, str]]:
        asked = self.question_ids
        return [(i, t) for i, t in self.lines if i < question.line_id and i not in asked]

    def key(self) -> str:
        """The story's text, one string: two stories are the same story iff their keys are."""
        return "\n".join(text for _, text in self.lines)


def format_stories(stories: Iterable[Story]) -> str:
    """The bAbI text of ``stories`` (each line ``ID text``; questions with answer and ids)."""
    out: list[str] = []
    for story in stories:
        by_id = {q.line_id: q for q in story.questions}
        for line_id, text in story.lines:
            if line_id in by_id:
                q = by_id[line_id]
                out.append(f"{line_id} {q.text} \t{q.answer}\t{' '.join(map(str, q.supporting))}")
            else:
                out.append(f"{line_id} {text}")
    return "\n".join(out) + "\n"


def write_stories(path: str, stories: Iterable[Story]) -> str:
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w") as file:
        file.write(format_stories(stories))
    return path


def parse_stories(lines: Iterable[str], source: str = "<text>") -> list[Story]:
    """Stories from bAbI-format lines. Ids must run 1, 2, 3, ... within each story."""
    stories: list[Story] = []
    story: Story | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        head, _, rest = line.strip().partition(" ")
        where = f"{source}, line {number}"
        if not head.isdigit() or not rest:
            raise BabiFormatError(f"bAbI reader: {where}: expected 'ID text', got {line!r}")
        line_id = int(head)
        if line_id == 1:
            story = Story()
            stories.append(story)
        if story is None or line_id != story.next_id():
            expected = 1 if story is None else story.next_id()
            raise BabiFormatError(f"bAbI reader: {where}: line id {line_id} where {expected} "
                                  f"was expected (ids count from 1 within a story)")
        if "\t" in rest:
            parts = rest.split("\t")
            if len(parts) < 2 or not parts[1].strip():
                raise BabiFormatError(f"bAbI reader: {where}: a question needs "
                                      f"'question?<TAB>answer<TAB>ids', got {line!r}")
            support_text = parts[2] if len(parts) > 2 else ""
            try:
                supporting = [int(s) for s in support_text.split()]
            except ValueError:
                raise BabiFormatError(f"bAbI reader: {where}: supporting ids must be integers, "
                                      f"got {support_text!r}") from None
            bad = [s for s in supporting if not 1 <= s < line_id]
            if bad:
                raise BabiFormatError(f"bAbI reader: {where}: supporting ids {bad} do not name "
                                      f"earlier lines of the story")
            story.add_question(parts[0].strip(), parts[1].strip(), supporting)
        else:
            story.add_fact(rest.strip())
    return stories


def read_stories(path: str) -> list[Story]:
    with open(path) as file:
        return parse_stories(file, source=path)


def iter_examples(stories: Iterable[Story]) -> Iterator[tuple[Story, Question]]:
    for story in stories:
        for question in story.questions:
            yield story, question


def find_task_files(data_dir: str, task_id: int) -> tuple[str, str]:
    """The (train, test) files of bAbI task ``task_id`` in ``data_dir``: names like
    ``qa2_two-supporting-facts_train.txt`` (the released files) or ``qa2_train.txt``."""
    if not os.path.isdir(data_dir):
        raise FileNotFoundError(f"bAbI: data_dir {data_dir!r} is not a folder")
    found = {}
    for name in sorted(os.listdir(data_dir)):
        if not name.startswith(f"qa{task_id}_") or not name.endswith(".txt"):
            continue
        for split in ("train", "test"):
            if name.endswith(f"_{split}.txt"):
                found[split] = os.path.join(data_dir, name)
    missing = [s for s in ("train", "test") if s not in found]
    if missing:
        raise FileNotFoundError(f"bAbI: no qa{task_id}_*_{' / '.join(missing)}.txt in {data_dir!r}")
    return found["train"], found["test"]
