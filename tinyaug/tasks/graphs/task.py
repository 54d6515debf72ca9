"""Graph tasks as sequences (the tasks/base.py registry): ``graph-traversal``,
``graph-shortest-path``, ``graph-inference``.

Each example is presented one vector per step (Graves et al. 2016, graph tasks):

    description  one step per triple: [source one-hot | label one-hot | destination one-hot | 1 0 0]
    query        traversal: the start node with the first label, then one step per further
                 label; shortest path: the start and goal nodes; inference: the person and
                 the compound relation                                      [... | 0 1 0]
    planning     ``planning_steps`` blank steps (time to think before answering)
    answer       one step per answer node, inputs blank but for the flag    [... | 0 0 1]

``batch(B, rng)`` -> ``(inputs (time, B, features), targets (time, B) int node ids, mask
(time, B))``: the targets are node ids (classes), counted only where ``mask`` is 1; examples
are padded at the end. ``graph="city"`` asks about the shipped city map (zones ≤
``map_zone``) instead of random graphs; nodes get random ids either way.

Curriculum: ``min_nodes``/``max_nodes`` and ``min_path``/``max_path`` bound the random
graphs and the answers; ``batch(..., level=...)`` overrides them (see ``CURRICULUM``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..base import Task, check_batch_size, check_range, register_task
from .family import BASE_RELATIONS, COMPOUND_RELATIONS, family_tree, relative
from .graph import Graph, random_graph, random_walk, unique_shortest_path
from .transit import TRANSIT_LABELS, city_graph

#: An example: (description triples, query steps as (source, label, destination) with -1
#: for blank parts, answer node ids).
Example = tuple[list[tuple[int, int, int]], list[tuple[int, int, int]], list[int]]


class GraphTask(Task):
    """Shared encoding. Subclasses implement ``example(rng, **limits) -> Example``."""

    defaults: dict[str, Any] = {"node_alphabet": 64, "min_nodes": 3, "max_nodes": 8,
                                "max_out_degree": 3, "min_path": 1, "max_path": 2,
                                "planning_steps": 2, "graph": "random", "map_zone": 1.0}
    label_count = len(TRANSIT_LABELS)

    def __init__(self, node_alphabet: int = 64, min_nodes: int = 3, max_nodes: int = 8,
                 max_out_degree: int = 3, min_path: int = 1, max_path: int = 2,
                 planning_steps: int = 2, graph: str = "random", map_zone: float = 1.0) -> None:
        check_range(self.name, "nodes", min_nodes, max_nodes, minimum=2)
        check_range(self.name, "path", min_path, max_path)
        if graph not in ("random", "city"):
            raise ValueError(f"{self.name}: graph must be 'random' or 'city', got {graph!r}")
        self.node_alphabet, self.max_out_degree = int(node_alphabet), int(max_out_degree)
        self.min_nodes, self.max_nodes = int(min_nodes), int(max_nodes)
        self.min_path, self.max_path = int(min_path), int(max_path)
        self.planning_steps, self.graph, self.map_zone = int(planning_steps), graph, float(map_zone)
        if self.max_nodes > self.node_alphabet:
            raise ValueError(f"{self.name}: max_nodes {max_nodes} exceeds node_alphabet {node_alphabet}")
        n, labels = self.node_alphabet, self.label_count
        self.source_slice = slice(0, n)
        self.label_slice = slice(n, n + labels)
        self.destination_slice = slice(n + labels, 2 * n + labels)
        self.flag_offset = 2 * n + labels
        super().__init__(input_size=2 * n + labels + 3, output_size=n)

    def example(self, rng: np.random.Generator, **limits: int) -> Example:
        raise NotImplementedError

    def _graph(self, rng: np.random.Generator, nodes: int) -> Graph:
        if self.graph == "city":
            return city_graph(rng, self.node_alphabet, self.map_zone)[0]
        return random_graph(rng, nodes, self.node_alphabet, self.label_count, self.max_out_degree)

    def _limits(self, overrides: dict[str, int]) -> dict[str, int]:
        limits = {k: getattr(self, k) for k in ("min_nodes", "max_nodes", "min_path", "max_path")}
        unknown = set(overrides) - set(limits)
        if unknown:
            raise ValueError(f"{self.name}: batch() takes overrides of {sorted(limits)}, got "
                             f"{sorted(unknown)}")
        limits.update({k: int(v) for k, v in overrides.items()})
        check_range(self.name, "nodes", limits["min_nodes"], limits["max_nodes"], minimum=2)
        check_range(self.name, "path", limits["min_path"], limits["max_path"])
        return limits

    def batch(self, batch_size: int, rng: np.random.Generator, **overrides: int):
        check_batch_size(self, batch_size)
        limits = self._limits(overrides)
        examples = [self.example(rng, **limits) for _ in range(batch_size)]
        return self.encode(examples)

    def encode(self, examples: list[Example]):
        lengths = [len(d) + len(q) + self.planning_steps + len(a) for d, q, a in examples]
        steps = max(lengths)
        inputs = np.zeros((steps, len(examples), self.input_size))
        targets = np.zeros((steps, len(examples)), dtype=np.int64)
        mask = np.zeros((steps, len(examples)))
        for b, (description, query, answer) in enumerate(examples):
            t = 0
            for flag, triples in ((0, description), (1, query)):
                for source, label, destination in triples:
                    if source >= 0:
                        inputs[t, b, self.source_slice.start + source] = 1
                    if label >= 0:
                        inputs[t, b, self.label_slice.start + label] = 1
                    if destination >= 0:
                        inputs[t, b, self.destination_slice.start + destination] = 1
                    inputs[t, b, self.flag_offset + flag] = 1
                    t += 1
            t += self.planning_steps
            for node in answer:
                inputs[t, b, self.flag_offset + 2] = 1
                targets[t, b], mask[t, b] = node, 1.0
                t += 1
        return inputs, targets, mask

    def _draw(self, rng: np.random.Generator, low: int, high: int) -> int:
        return int(rng.integers(low, high + 1))


@register_task
class GraphTraversal(GraphTask):
    """Follow a sequence of edge labels from a start node; answer each node reached."""

    name = "graph-traversal"
    defaults = dict(GraphTask.defaults)

    def example(self, rng, min_nodes, max_nodes, min_path, max_path) -> Example:
        for _ in range(100):
            graph = self._graph(rng, self._draw(rng, min_nodes, max_nodes))
            walk = random_walk(rng, graph, self._draw(rng, min_path, max_path))
            if walk is not None:
                start, labels, reached = walk
                query = [(start, labels[0], -1)] + [(-1, l, -1) for l in labels[1:]]
                return list(graph.edges), query, reached
        raise RuntimeError(f"{self.name}: no walk found in 100 graphs (limits too tight?)")


@register_task
class GraphShortestPath(GraphTask):
    """The nodes of the (unique) shortest path from a start node to a goal."""

    name = "graph-shortest-path"
    defaults = dict(GraphTask.defaults)

    def example(self, rng, min_nodes, max_nodes, min_path, max_path) -> Example:
        for _ in range(200):
            graph = self._graph(rng, self._draw(rng, min_nodes, max_nodes))
            start, goal = (int(n) for n in rng.choice(graph.nodes, size=2, replace=False))
            path = unique_shortest_path(graph, start, goal)
            if path is not None and min_path <= len(path) <= max_path:
                return list(graph.edges), [(start, -1, goal)], path
        raise RuntimeError(f"{self.name}: no unique shortest path of length {min_path}-{max_path} "
                           f"found in 200 graphs")


@register_task
class GraphInference(GraphTask):
    """A family tree's mother/father/son/daughter triples, then a person and a compound
    relation ("maternal grandfather"); answer the relative. ``max_path`` (2 or 3) bounds the
    length of the relation's chain; the tree has one more generation than that."""

    name = "graph-inference"
    defaults = {**GraphTask.defaults, "min_path": 2, "max_path": 3}
    label_count = len(BASE_RELATIONS) + len(COMPOUND_RELATIONS)
    relation_names = tuple(COMPOUND_RELATIONS)

    def __init__(self, **params: Any) -> None:
        super().__init__(**{**self.defaults, **params})
        if self.min_path < 2 or self.max_path > 3 or self.graph != "random":
            raise ValueError(f"{self.name}: relations chain 2 or 3 parent steps (min_path >= 2, "
                             f"max_path <= 3) on random family trees (graph='random')")

    def example(self, rng, min_nodes, max_nodes, min_path, max_path) -> Example:
        for _ in range(200):
            depth = self._draw(rng, min_path, max_path)
            graph, parents = family_tree(rng, depth + 1, self.node_alphabet)
            names = [n for n, chain in COMPOUND_RELATIONS.items() if len(chain) == depth]
            name = names[int(rng.integers(len(names)))]
            person = int(rng.choice(graph.nodes))
            answer = relative(parents, person, COMPOUND_RELATIONS[name])
            if answer is not None:
                label = len(BASE_RELATIONS) + self.relation_names.index(name)
                return list(graph.edges), [(person, label, -1)], [answer]
        raise RuntimeError(f"{self.name}: no answerable question in 200 family trees")


#: Curriculum levels for the graph experiments: (max_nodes, max_path), easiest first.
CURRICULUM = ((4, 1), (6, 1), (6, 2), (8, 2), (10, 3), (14, 3), (20, 4))
