"""A small world of people, places and objects, simulated step by step; the stories of bAbI
tasks 1, 2, 3, 6, 7 and 8 are its narration (Weston et al. 2015, tasks of the same numbers).

The world has a true state (where everyone and everything is, who holds what) and the reader's
knowledge of it: a person's place is known once the story has said where they went; an
object's place is known when its holder's place is known or it was dropped at a known place.
Questions are asked only about what the story determines, and each comes with the ids of the
sentences that determine it (the supporting facts). ``solver.py`` re-derives every answer from
the text alone, which the tests use as an independent check.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .format import Story
from .lexicon import DROP_VERBS, GET_VERBS, MOVE_VERBS, NUMBER_WORDS, OBJECTS, PEOPLE, PLACES


@dataclass
class _Person:
    place: str
    last_move: int | None = None           # id of the sentence that put them at ``place``
    held: list[str] = field(default_factory=list)   # in the order they were picked up
    handled: bool = False                   # have they ever picked anything up?


@dataclass
class _Thing:
    place: str | None                       # None while held
    holder: str | None = None
    got_at: int | None = None               # id of the sentence that gave it to ``holder``
    # Known places the object has been in, in order, each with the sentence ids that show it.
    history: list[tuple[str, frozenset]] = field(default_factory=list)
    known: bool = False                     # is the current place determined by the story?


class World:
    """The world's state and its narrator: each action appends a sentence to ``story``."""

    def __init__(self, rng: np.random.Generator, objects: bool = True,
                 move_probability: float = 0.55, get_share: float = 0.5) -> None:
        self.rng = rng
        self.move_probability, self.get_share = move_probability, get_share
        self.story = Story()
        self.people = {name: _Person(str(rng.choice(PLACES))) for name in PEOPLE}
        self.things = {name: _Thing(str(rng.choice(PLACES))) for name in OBJECTS} if objects else {}

    # -- the reader's knowledge ---------------------------------------------------------------
    def _note_place(self, thing: _Thing, place: str, evidence: frozenset) -> None:
        thing.known = True
        if not thing.history or thing.history[-1][0] != place:
            thing.history.append((place, evidence))

    def thing_place(self, name: str) -> str:
        thing = self.things[name]
        return self.people[thing.holder].place if thing.holder else thing.place

    # -- actions ------------------------------------------------------------------------------
    def move(self, person_name: str) -> int:
        person = self.people[person_name]
        person.place = str(self.rng.choice([p for p in PLACES if p != person.place]))
        verb = str(self.rng.choice(MOVE_VERBS))
        line = self.story.add_fact(f"{person_name} {verb} the {person.place}.")
        person.last_move = line
        for name in person.held:
            self._note_place(self.things[name], person.place, frozenset({self.things[name].got_at, line}))
        return line

    def get(self, person_name: str, thing_name: str) -> int:
        person, thing = self.people[person_name], self.things[thing_name]
        assert thing.holder is None and thing.place == person.place, "get needs the object here"
        verb = str(self.rng.choice(GET_VERBS))
        there = " there" if self.rng.random() < 0.5 else ""
        line = self.story.add_fact(f"{person_name} {verb} the {thing_name}{there}.")
        thing.holder, thing.place, thing.got_at = person_name, None, line
        person.held.append(thing_name)
        person.handled = True
        if person.last_move is not None:
            self._note_place(thing, person.place, frozenset({person.last_move, line}))
        # A held object whose holder's place is unknown: its place is not determined (even if
        # it was known before, the reader is not asked to infer where the holder stands).
        thing.known = person.last_move is not None
        return line

    def drop(self, person_name: str, thing_name: str) -> int:
        person, thing = self.people[person_name], self.things[thing_name]
        verb = str(self.rng.choice(DROP_VERBS))
        there = " there" if self.rng.random() < 0.3 else ""
        line = self.story.add_fact(f"{person_name} {verb} the {thing_name}{there}.")
        thing.holder, thing.place, thing.got_at = None, person.place, None
        person.held.remove(thing_name)
        if person.last_move is not None:
            self._note_place(thing, person.place, frozenset({person.last_move, line}))
        thing.known = person.last_move is not None
        return line

    def random_action(self) -> int:
        """A move with ``move_probability``; otherwise a get (with ``get_share``) or a drop,
        drawn among those possible for anyone (gets need the person where the object lies);
        a move when neither is possible."""
        gets = [(p, n) for p, person in self.people.items() for n, t in self.things.items()
                if t.holder is None and t.place == person.place]
        drops = [(p, n) for p, person in self.people.items() for n in person.held]
        if (not gets and not drops) or self.rng.random() < self.move_probability:
            return self.move(str(self.rng.choice(PEOPLE)))
        if gets and (not drops or self.rng.random() < self.get_share):
            return self.get(*gets[int(self.rng.integers(len(gets)))])
        return self.drop(*drops[int(self.rng.integers(len(drops)))])

    def babi_action(self) -> int:
        """An action as bAbI's task-3 generator draws it (``WhereWasObject.lua`` of the released
        bAbI-tasks code): get, drop and move with equal odds, a get or drop uniform among all
        those possible (person, object) pairs, a move when none is."""
        options = [("get", p, n) for p, person in self.people.items() for n, t in self.things.items()
                   if t.holder is None and t.place == person.place]
        options += [("drop", p, n) for p, person in self.people.items() for n in person.held]
        if not options or self.rng.random() < 1 / 3:
            return self.move(str(self.rng.choice(PEOPLE)))
        action, person, thing = options[int(self.rng.integers(len(options)))]
        return self.get(person, thing) if action == "get" else self.drop(person, thing)

    # -- questions (None when the story does not determine the answer) ------------------------
    def ask_where_person(self, person_name: str) -> bool:
        person = self.people[person_name]
        if person.last_move is None:
            return False
        self.story.add_question(f"Where is {person_name}?", person.place, [person.last_move])
        return True

    def ask_is_in(self, person_name: str, place: str) -> bool:
        person = self.people[person_name]
        if person.last_move is None:
            return False
        answer = "yes" if person.place == place else "no"
        self.story.add_question(f"Is {person_name} in the {place}?", answer, [person.last_move])
        return True

    def ask_where_thing(self, thing_name: str) -> bool:
        thing = self.things[thing_name]
        if not thing.known:
            return False
        place, evidence = thing.history[-1]
        assert place == self.thing_place(thing_name)
        self.story.add_question(f"Where is the {thing_name}?", place, evidence)
        return True

    def ask_where_before(self, thing_name: str) -> bool:
        """'Where was the milk before the office?': the place the object was in before it came
        to where it is now (the last change of its known place, as bAbI's task 3 asks it; the
        object may have been in the office before too)."""
        thing = self.things[thing_name]
        if not thing.known or len(thing.history) < 2:
            return False
        assert thing.history[-1][0] == self.thing_place(thing_name)
        evidence = thing.history[-2][1] | thing.history[-1][1]
        self.story.add_question(f"Where was the {thing_name} before the {thing.history[-1][0]}?",
                                thing.history[-2][0], evidence)
        return True

    def ask_how_many(self, person_name: str) -> bool:
        person = self.people[person_name]
        self.story.add_question(f"How many objects is {person_name} carrying?",
                                NUMBER_WORDS[len(person.held)], self._got_lines(person))
        return True

    def ask_what_carrying(self, person_name: str) -> bool:
        person = self.people[person_name]
        answer = ",".join(person.held) if person.held else "nothing"
        self.story.add_question(f"What is {person_name} carrying?", answer, self._got_lines(person))
        return True

    def _got_lines(self, person: _Person) -> list[int]:
        """The gets of what ``person`` holds now: together they determine what is held."""
        return [self.things[name].got_at for name in person.held]


def _interleaved(rng: np.random.Generator, world: World, questions: int, gap: tuple[int, int],
                 ask, max_tries: int = 40) -> Story:
    """Narrate ``gap`` random actions, then try ``ask(world)`` (more actions until it asks),
    ``questions`` times."""
    for _ in range(questions):
        for _ in range(int(rng.integers(gap[0], gap[1] + 1))):
            world.random_action()
        for _ in range(max_tries):
            if ask(world):
                break
            world.random_action()
    return world.story


def story_task1(rng: np.random.Generator) -> Story:
    """Task 1, single supporting fact: 10 moves, 'Where is Mary?' after every second."""
    world = World(rng, objects=False)
    return _interleaved(rng, world, 5, (2, 2),
                        lambda w: w.ask_where_person(str(rng.choice(PEOPLE))))


def story_task2(rng: np.random.Generator) -> Story:
    """Task 2, two supporting facts: 'Where is the football?' (who holds it and where they went)."""
    world = World(rng)
    return _interleaved(rng, world, 5, (2, 9),
                        lambda w: w.ask_where_thing(str(rng.choice(OBJECTS))))


def story_task3(rng: np.random.Generator, questions: int = 5) -> Story:
    """Task 3, three supporting facts: 'Where was the football before the kitchen?'. Timed as
    bAbI's generator times it: ``babi_action``s, and after each, once three or more have been
    told since the last question, with probability 1/2 a question about an object (drawn
    among those whose place is known and has changed at least once)."""
    world = World(rng)
    since_question = 0
    while len(world.story.questions) < questions:
        world.babi_action()
        since_question += 1
        if since_question < 3 or rng.random() >= 0.5:
            continue
        askable = [name for name, thing in world.things.items()
                   if thing.known and len(thing.history) >= 2]
        if askable and world.ask_where_before(str(rng.choice(askable))):
            since_question = 0
    return world.story


def story_task6(rng: np.random.Generator) -> Story:
    """Task 6, yes/no questions: 'Is John in the playground?' (half yes, half no)."""
    world = World(rng)

    def ask(w: World) -> bool:
        name = str(rng.choice(PEOPLE))
        person = w.people[name]
        place = person.place if rng.random() < 0.5 else str(rng.choice(
            [p for p in PLACES if p != person.place]))
        return w.ask_is_in(name, place)

    return _interleaved(rng, world, 5, (2, 2), ask)


def story_task7(rng: np.random.Generator) -> Story:
    """Task 7, counting: 'How many objects is Mary carrying?' (none to three)."""
    world = World(rng, move_probability=0.35, get_share=0.8)
    return _interleaved(rng, world, 5, (2, 5), lambda w: w.ask_how_many(_handler(rng, w)))


def story_task8(rng: np.random.Generator) -> Story:
    """Task 8, lists/sets: 'What is Mary carrying?' (e.g. 'milk,football', or 'nothing')."""
    world = World(rng, move_probability=0.35, get_share=0.8)
    return _interleaved(rng, world, 5, (2, 5), lambda w: w.ask_what_carrying(_handler(rng, w)))


def _handler(rng: np.random.Generator, world: World) -> str:
    """A person to ask about, favouring those who hold more (so that every count is asked)."""
    weights = np.array([1.0 + 3.0 * len(world.people[n].held) + world.people[n].handled
                        for n in PEOPLE])
    return str(PEOPLE[rng.choice(len(PEOPLE), p=weights / weights.sum())])
