"""Seeded bAbI-style datasets: ``generate_stories(task_id, questions, rng)`` and
``generate_split(task_id, train_questions, test_questions, seed)`` (the two never share a story),
``generate_validation(task_id, questions, seed, exclude)`` (a third stream, for choosing runs).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .format import Story
from .stories import story_task11, story_task13, story_task15, story_task19
from .world import story_task1, story_task2, story_task3, story_task6, story_task7, story_task8

#: Task id -> (short name as in the released file names, story generator).
GENERATORS: dict[int, tuple[str, Callable[[np.random.Generator], Story]]] = {
    1: ("single-supporting-fact", story_task1),
    2: ("two-supporting-facts", story_task2),
    3: ("three-supporting-facts", story_task3),
    6: ("yes-no-questions", story_task6),
    7: ("counting", story_task7),
    8: ("lists-sets", story_task8),
    11: ("basic-coreference", story_task11),
    13: ("compound-coreference", story_task13),
    15: ("basic-deduction", story_task15),
    19: ("path-finding", story_task19),
}
TASK_IDS = tuple(sorted(GENERATORS))


def check_task_id(task_id: int) -> None:
    if task_id not in GENERATORS:
        raise ValueError(f"bAbI generator: task_id {task_id!r} is not generated here; the "
                         f"generated task types are {', '.join(map(str, TASK_IDS))} (any of "
                         f"1-20 can be read from real bAbI files with data_dir)")


def truncate(story: Story, questions: int) -> Story:
    """The story up to and including its ``questions``-th question."""
    last = story.questions[questions - 1].line_id
    return Story(lines=story.lines[:last], questions=story.questions[:questions])


def generate_stories(task_id: int, questions: int, rng: np.random.Generator,
                     exclude: set[str] | None = None) -> list[Story]:
    """Stories of task ``task_id`` holding ``questions`` questions in all (the last story cut
    short if needed). Stories whose text is in ``exclude`` (or already drawn) are redrawn."""
    check_task_id(task_id)
    make = GENERATORS[task_id][1]
    seen = set(exclude or ())
    stories: list[Story] = []
    count = 0
    while count < questions:
        story = make(rng)
        if story.key() in seen or not story.questions:
            continue
        if count + len(story.questions) > questions:
            story = truncate(story, questions - count)
            if story.key() in seen:
                continue
        seen.add(story.key())
        stories.append(story)
        count += len(story.questions)
    return stories


def generate_split(task_id: int, train_questions: int, test_questions: int,
                   seed: int) -> tuple[list[Story], list[Story]]:
    """(train, test) stories from independent streams of ``seed``; no story is in both."""
    train = generate_stories(task_id, train_questions, np.random.default_rng([seed, task_id, 0]))
    keys = {story.key() for story in train}
    test = generate_stories(task_id, test_questions, np.random.default_rng([seed, task_id, 1]),
                            exclude=keys)
    return train, test


def generate_validation(task_id: int, questions: int, seed: int, exclude: set[str]) -> list[Story]:
    """Held-out stories from a third stream of ``seed`` (neither the training nor the test
    stream), none of them in ``exclude`` (the keys of the training and test stories)."""
    return generate_stories(task_id, questions, np.random.default_rng([seed, task_id, 2]),
                            exclude=exclude)
