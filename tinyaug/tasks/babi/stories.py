"""Stories of bAbI tasks 11, 13, 15 and 19 (Weston et al. 2015): coreference, compound
coreference, basic deduction and path finding. Each generator simulates its small world and
narrates it; answers come from the simulated state (``solver.py`` re-derives them from text).
"""
from __future__ import annotations

import numpy as np

from .format import Story
from .lexicon import (ANIMAL_NAMES, DIRECTION_LETTER, DIRECTIONS, KINDS, MAP_PLACES, MOVE_VERBS,
                      OPPOSITE, PEOPLE, PLACES, PRONOUN, THEN_WORDS)


def _other_place(rng: np.random.Generator, current: str | None) -> str:
    return str(rng.choice([p for p in PLACES if p != current]))


def story_task11(rng: np.random.Generator) -> Story:
    """Task 11, basic coreference: 'Daniel went to the kitchen. Then he went to the studio.'
    A pronoun sentence names no one: it continues the subject of the sentence before it.
    10 facts, 'Where is Daniel?' after every second."""
    story = Story()
    place: dict[str, str] = {}
    evidence: dict[str, list[int]] = {}     # person -> ids that fix their current place
    subject, subject_line = None, None
    for _ in range(5):
        for _ in range(2):
            if subject is not None and rng.random() < 0.5:
                place[subject] = _other_place(rng, place[subject])
                opener = str(rng.choice(THEN_WORDS))
                line = story.add_fact(f"{opener} {PRONOUN[subject]} {rng.choice(MOVE_VERBS)} "
                                      f"the {place[subject]}.")
                evidence[subject] = [subject_line, line]
                subject = None  # the next pronoun sentence would need a named subject again
            else:
                subject = str(rng.choice(PEOPLE))
                place[subject] = _other_place(rng, place.get(subject))
                subject_line = story.add_fact(f"{subject} {rng.choice(MOVE_VERBS)} the {place[subject]}.")
                evidence[subject] = [subject_line]
        person = str(rng.choice(sorted(place)))
        story.add_question(f"Where is {person}?", place[person], evidence[person])
    return story


def story_task13(rng: np.random.Generator) -> Story:
    """Task 13, compound coreference: 'Mary and Daniel went to the bathroom. Then they
    journeyed to the hallway.' 10 facts (pairs, then 'they'), 'Where is Daniel?' after every
    second."""
    story = Story()
    place: dict[str, str] = {}
    evidence: dict[str, list[int]] = {}
    for _ in range(5):
        first, second = (str(p) for p in rng.choice(PEOPLE, size=2, replace=False))
        pair_place = _other_place(rng, None)
        pair_line = story.add_fact(f"{first} and {second} {rng.choice(MOVE_VERBS)} the {pair_place}.")
        then_place = _other_place(rng, pair_place)
        then_line = story.add_fact(f"{rng.choice(THEN_WORDS)} they {rng.choice(MOVE_VERBS)} "
                                   f"the {then_place}.")
        for person in (first, second):
            place[person], evidence[person] = then_place, [pair_line, then_line]
        person = str(rng.choice(sorted(place)))
        story.add_question(f"Where is {person}?", place[person], evidence[person])
    return story


def story_task15(rng: np.random.Generator) -> Story:
    """Task 15, basic deduction: 'Sheep are afraid of wolves. Gertrude is a sheep. What is
    gertrude afraid of?' -> wolf. Four kinds each afraid of another kind, four named animals,
    in shuffled order (8 facts), then four questions."""
    story = Story()
    kinds = [singular for singular, _ in KINDS]
    plural = dict(KINDS)
    fears = {kind: str(rng.choice([k for k in kinds if k != kind])) for kind in kinds}
    names = list(ANIMAL_NAMES)
    kind_of = {name: str(rng.choice(kinds)) for name in names}
    facts = [("fear", kind) for kind in kinds] + [("name", name) for name in names]
    order = rng.permutation(len(facts))
    line_of: dict[tuple[str, str], int] = {}
    for index in order:
        what, who = facts[index]
        if what == "fear":
            text = f"{plural[who].capitalize()} are afraid of {plural[fears[who]]}."
        else:
            text = f"{who} is a {kind_of[who]}."
        line_of[(what, who)] = story.add_fact(text)
    for name in rng.choice(names, size=4, replace=False):
        name = str(name)
        kind = kind_of[name]
        story.add_question(f"What is {name.lower()} afraid of?", fears[kind],
                           [line_of[("name", name)], line_of[("fear", kind)]])
    return story


def story_task19(rng: np.random.Generator) -> Story:
    """Task 19, path finding: five 'The kitchen is north of the hallway.' facts placing six
    places on a grid (a tree: each new place next to one already placed), then 'How do you go
    from the den to the kitchen?' along two of them, answered with letters ('w,n')."""
    story = Story()
    places = [str(p) for p in rng.permutation(MAP_PLACES)]
    cell = {places[0]: (0, 0)}
    taken = {(0, 0): places[0]}
    edges: list[tuple[str, str, str]] = []          # (a, direction from a to b, b)
    neighbours: dict[str, list[tuple[str, str]]] = {places[0]: []}
    for place in places[1:]:
        while True:
            anchor = str(rng.choice(list(cell)))
            direction = str(rng.choice(list(DIRECTIONS)))
            dx, dy = DIRECTIONS[direction]
            spot = (cell[anchor][0] + dx, cell[anchor][1] + dy)
            if spot not in taken:
                break
        cell[place], taken[spot] = spot, place
        edges.append((anchor, direction, place))
        neighbours[place] = [(OPPOSITE[direction], anchor)]
        neighbours[anchor].append((direction, place))
    line_of: dict[frozenset, int] = {}
    for index in rng.permutation(len(edges)):
        anchor, direction, place = edges[index]
        # Say it either way round: "<place> is <dir> of <anchor>" or "<anchor> is <opp> of <place>".
        if rng.random() < 0.5:
            text = f"The {place} is {direction} of the {anchor}."
        else:
            text = f"The {anchor} is {OPPOSITE[direction]} of the {place}."
        line_of[frozenset((anchor, place))] = story.add_fact(text)
    middles = [p for p in places if len(neighbours[p]) >= 2]
    middle = str(rng.choice(middles))
    (_, start), (to_goal, goal) = (neighbours[middle][i] for i in
                                   rng.choice(len(neighbours[middle]), size=2, replace=False))
    to_middle = next(d for d, p in neighbours[start] if p == middle)
    answer = f"{DIRECTION_LETTER[to_middle]},{DIRECTION_LETTER[to_goal]}"
    story.add_question(f"How do you go from the {start} to the {goal}?", answer,
                       [line_of[frozenset((start, middle))], line_of[frozenset((middle, goal))]])
    return story
