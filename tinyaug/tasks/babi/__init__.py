"""bAbI-style question answering (Weston et al. 2015): a seeded generator of stories for task
types 1, 2, 3, 6, 7, 8, 11, 13, 15 and 19, the bAbI text format (read and written), a symbolic
solver that checks answers from the text, and the ``babi`` task (token batches).

``python -m tinyaug.tasks.babi DIR`` writes the generated tasks as bAbI files into DIR.
"""
from .format import Question, Story, parse_stories, read_stories, write_stories
from .generate import GENERATORS, TASK_IDS, generate_split, generate_stories
from .solver import solve
from .task import BabiTask, write_generated

__all__ = ["BabiTask", "GENERATORS", "Question", "Story", "TASK_IDS", "generate_split",
           "generate_stories", "parse_stories", "read_stories", "solve", "write_generated",
           "write_stories"]
