"""A symbolic reader of bAbI-style stories: it parses the sentences (text only, knowing nothing
of the generator's world state) and answers the questions of tasks 1, 2, 3, 6, 7, 8, 11, 13,
15 and 19. The tests check every generated answer against it, on the whole story and on the
supporting facts alone; it also reads real bAbI stories of these kinds.
"""
from __future__ import annotations

import re
from collections import deque

from .lexicon import DIRECTION_LETTER, DIRECTIONS, DROP_VERBS, GET_VERBS, KINDS, MOVE_VERBS, \
    NUMBER_WORDS, THEN_WORDS


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MOVE = re.compile(rf"^(\w+) (?:{_alternatives(MOVE_VERBS)}) the (\w+)\.$")
_PAIR_MOVE = re.compile(rf"^(\w+) and (\w+) (?:{_alternatives(MOVE_VERBS)}) the (\w+)\.$")
_PRONOUN_MOVE = re.compile(rf"^(?:{_alternatives(THEN_WORDS)}) (he|she|they) "
                           rf"(?:{_alternatives(MOVE_VERBS)}) the (\w+)\.$")
_GET = re.compile(rf"^(\w+) (?:{_alternatives(GET_VERBS)}) the (\w+)(?: there)?\.$")
_DROP = re.compile(rf"^(\w+) (?:{_alternatives(DROP_VERBS)}) the (\w+)(?: there)?\.$")
_AFRAID = re.compile(r"^(\w+) are afraid of (\w+)\.$")
_IS_A = re.compile(r"^(\w+) is an? (\w+)\.$")
_RELATION = re.compile(rf"^The (\w+) is ({_alternatives(DIRECTIONS)}) of the (\w+)\.$")

_SINGULAR = {plural: singular for singular, plural in KINDS} | {s: s for s, _ in KINDS}


class Reader:
    """Reads facts one at a time; ``answer(question)`` answers from what it has read (None
    when the facts read do not determine the answer or the question is not understood)."""

    def __init__(self) -> None:
        self.place: dict[str, str] = {}                  # person -> known place
        self.holder: dict[str, str] = {}                 # object -> person holding it
        self.thing_place: dict[str, str | None] = {}     # object -> known place (None: unknown)
        self.history: dict[str, list[str]] = {}          # object -> known places in order
        self.held: dict[str, list[str]] = {}             # person -> objects in pickup order
        self.last_subjects: list[str] = []
        self.afraid: dict[str, str] = {}                 # kind (singular) -> kind it fears
        self.kind_of: dict[str, str] = {}                # animal name (lower) -> kind
        self.edges: dict[str, list[tuple[str, str]]] = {}  # place -> [(direction, neighbour)]

    # -- facts --------------------------------------------------------------------------------
    def read(self, sentence: str) -> None:
        sentence = sentence.strip()
        if m := _PRONOUN_MOVE.match(sentence):
            for person in self.last_subjects:
                self._move(person, m.group(2))
        elif m := _PAIR_MOVE.match(sentence):
            self._move(m.group(1), m.group(3))
            self._move(m.group(2), m.group(3))
            self.last_subjects = [m.group(1), m.group(2)]
        elif m := _MOVE.match(sentence):
            self._move(m.group(1), m.group(2))
            self.last_subjects = [m.group(1)]
        elif m := _GET.match(sentence):
            person, thing = m.group(1), m.group(2)
            if thing in self.holder:
                self.held[self.holder[thing]].remove(thing)
            self.holder[thing] = person
            self.held.setdefault(person, []).append(thing)
            self._locate(thing, self.place.get(person))
            self.last_subjects = [person]
        elif m := _DROP.match(sentence):
            person, thing = m.group(1), m.group(2)
            if thing in self.held.get(person, []):
                self.held[person].remove(thing)
            self.holder.pop(thing, None)
            self._locate(thing, self.place.get(person))
            self.last_subjects = [person]
        elif m := _AFRAID.match(sentence):
            self.afraid[_SINGULAR[m.group(1).lower()]] = _SINGULAR[m.group(2).lower()]
        elif m := _IS_A.match(sentence):
            self.kind_of[m.group(1).lower()] = _SINGULAR[m.group(2).lower()]
        elif m := _RELATION.match(sentence):
            first, direction, second = m.groups()
            # "The first is <direction> of the second": from second go <direction> to reach first.
            self.edges.setdefault(second, []).append((direction, first))
            opposite = {"north": "south", "south": "north", "east": "west", "west": "east"}[direction]
            self.edges.setdefault(first, []).append((opposite, second))
        else:
            raise ValueError(f"bAbI solver: cannot read the sentence {sentence!r}")

    def _move(self, person: str, place: str) -> None:
        self.place[person] = place
        for thing in self.held.get(person, []):
            self._locate(thing, place)

    def _locate(self, thing: str, place: str | None) -> None:
        self.thing_place[thing] = place
        if place is not None:
            history = self.history.setdefault(thing, [])
            if not history or history[-1] != place:
                history.append(place)

    # -- questions ----------------------------------------------------------------------------
    def answer(self, question: str) -> str | None:
        question = question.strip()
        if m := re.match(r"^Where is the (\w+)\?$", question):
            return self.thing_place.get(m.group(1))
        if m := re.match(r"^Where is (\w+)\?$", question):
            return self.place.get(m.group(1))
        if m := re.match(r"^Is (\w+) in the (\w+)\?$", question):
            place = self.place.get(m.group(1))
            return None if place is None else ("yes" if place == m.group(2) else "no")
        if m := re.match(r"^Where was the (\w+) before the (\w+)\?$", question):
            # The place before the object's last arrival in the place named (bAbI's sense).
            history = self.history.get(m.group(1), [])
            if self.thing_place.get(m.group(1)) is None or m.group(2) not in history:
                return None
            index = len(history) - 1 - history[::-1].index(m.group(2))
            return history[index - 1] if index > 0 else None
        if m := re.match(r"^How many objects is (\w+) carrying\?$", question):
            count = len(self.held.get(m.group(1), []))
            return NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)
        if m := re.match(r"^What is (\w+) carrying\?$", question):
            return ",".join(self.held.get(m.group(1), [])) or "nothing"
        if m := re.match(r"^What is (\w+) afraid of\?$", question):
            kind = self.kind_of.get(m.group(1).lower())
            return self.afraid.get(kind) if kind else None
        if m := re.match(r"^How do you go from the (\w+) to the (\w+)\?$", question):
            return self._path(m.group(1), m.group(2))
        return None

    def _path(self, start: str, goal: str) -> str | None:
        """The directions of the shortest path, as letters joined by commas (breadth first)."""
        previous: dict[str, tuple[str, str] | None] = {start: None}
        queue = deque([start])
        while queue:
            place = queue.popleft()
            if place == goal:
                letters = []
                while previous[place] is not None:
                    direction, place = previous[place]
                    letters.append(DIRECTION_LETTER[direction])
                return ",".join(reversed(letters))
            for direction, neighbour in self.edges.get(place, []):
                if neighbour not in previous:
                    previous[neighbour] = (direction, place)
                    queue.append(neighbour)
        return None


def solve(facts: list[str], question: str) -> str | None:
    """The answer to ``question`` after reading ``facts`` in order (None if undetermined)."""
    reader = Reader()
    for fact in facts:
        reader.read(fact)
    return reader.answer(question)
