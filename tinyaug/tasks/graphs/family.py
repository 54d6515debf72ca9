"""Family trees for the inference task: people, their mother/father/son/daughter edges, and
compound relations (chains of parent edges) with names such as "maternal grandfather".
"""
from __future__ import annotations

import itertools

import numpy as np

from .graph import Graph

BASE_RELATIONS = ("mother", "father", "son", "daughter")
#: Compound relation name -> chain of base relations followed from the person.
COMPOUND_RELATIONS: dict[str, tuple[str, ...]] = {}
for _chain in itertools.chain(itertools.product(("mother", "father"), repeat=2),
                              itertools.product(("mother", "father"), repeat=3)):
    _side = "maternal" if _chain[0] == "mother" else "paternal"
    _great = "great-" * (len(_chain) - 2)
    _who = "grandmother" if _chain[-1] == "mother" else "grandfather"
    _middle = "" if len(_chain) == 2 else ("-by-mother " if _chain[1] == "mother" else "-by-father ")
    COMPOUND_RELATIONS[f"{_side}{_middle.rstrip()} {_great}{_who}".replace("  ", " ")] = _chain


def family_tree(rng: np.random.Generator, generations: int, node_alphabet: int,
                children: tuple[int, int] = (1, 3)) -> tuple[Graph, dict[int, dict[str, int]]]:
    """A family over ``generations`` generations, grown from the youngest: each person of a
    generation has a mother and a father in the one before (parents of several children are
    shared by siblings). Returns the graph (labels index ``BASE_RELATIONS``) and each person's
    parents ``{person: {"mother": id, "father": id}}``; ids are distinct in [0, node_alphabet)."""
    ids = iter(int(i) for i in rng.permutation(node_alphabet))
    female: dict[int, bool] = {}
    parents: dict[int, dict[str, int]] = {}
    youngest = [next(ids) for _ in range(int(rng.integers(2, 4)))]
    for person in youngest:
        female[person] = bool(rng.random() < 0.5)
    generation = youngest
    try:
        for _ in range(generations - 1):
            older: list[int] = []
            queue = list(generation)
            rng.shuffle(queue)
            while queue:
                siblings = queue[:int(rng.integers(children[0], children[1] + 1))]
                queue = queue[len(siblings):]
                mother, father = next(ids), next(ids)
                female[mother], female[father] = True, False
                for child in siblings:
                    parents[child] = {"mother": mother, "father": father}
                older += [mother, father]
            generation = older
    except StopIteration:
        raise ValueError(f"family_tree: {generations} generations need more than "
                         f"{node_alphabet} node ids") from None
    label = {name: index for index, name in enumerate(BASE_RELATIONS)}
    edges = []
    for child, pair in parents.items():
        edges.append((child, label["mother"], pair["mother"]))
        edges.append((child, label["father"], pair["father"]))
        relation = "daughter" if female[child] else "son"
        edges.append((pair["mother"], label[relation], child))
        edges.append((pair["father"], label[relation], child))
    order = rng.permutation(len(edges))
    return Graph(sorted(female), [edges[i] for i in order]), parents


def relative(parents: dict[int, dict[str, int]], person: int, chain: tuple[str, ...]) -> int | None:
    """The person reached from ``person`` along ``chain`` of parent relations (None if the
    tree does not reach that far)."""
    for step in chain:
        if person not in parents:
            return None
        person = parents[person][step]
    return person
