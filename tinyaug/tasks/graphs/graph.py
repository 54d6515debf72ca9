"""Labelled directed graphs and the questions asked about them (Graves et al. 2016, "Hybrid
computing using a neural network with dynamic external memory", graph tasks, Fig. 3):

* traversal: from a start node, follow a given sequence of edge labels; answer the nodes
  reached, one per step;
* shortest path: from one node to another; answer the nodes of the shortest path (questions
  are asked only where it is unique);
* inference: in a family tree, a compound relation ("maternal grandfather") of a person;
  answer that person (the relation's chain of mother/father edges is never shown).

A graph is a list of (source, label, destination) triples over integer node and label ids.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass
class Graph:
    """``edges``: (source, label, destination) triples; ``nodes``: every node id used."""

    nodes: list[int]
    edges: list[tuple[int, int, int]]

    def out_edges(self, node: int) -> list[tuple[int, int, int]]:
        return [e for e in self.edges if e[0] == node]

    def follow(self, node: int, label: int) -> int | None:
        """The destination of ``node``'s edge labelled ``label``; None when there is not
        exactly one such edge."""
        found = [d for s, l, d in self.edges if s == node and l == label]
        return found[0] if len(found) == 1 else None


def random_graph(rng: np.random.Generator, num_nodes: int, node_alphabet: int, label_alphabet: int,
                 max_out_degree: int) -> Graph:
    """``num_nodes`` nodes with distinct random ids in [0, node_alphabet); each node gets 1 to
    ``max_out_degree`` out-edges to other nodes, with distinct labels from [0, label_alphabet)
    (so that every label sequence has at most one path). Triples in random order."""
    if num_nodes > node_alphabet or num_nodes < 2:
        raise ValueError(f"random_graph: need 2 <= num_nodes <= node_alphabet, got {num_nodes} "
                         f"nodes for an alphabet of {node_alphabet}")
    nodes = [int(n) for n in rng.choice(node_alphabet, size=num_nodes, replace=False)]
    edges = []
    for source in nodes:
        degree = int(rng.integers(1, min(max_out_degree, num_nodes - 1, label_alphabet) + 1))
        targets = rng.choice([n for n in nodes if n != source], size=degree, replace=False)
        labels = rng.choice(label_alphabet, size=degree, replace=False)
        edges += [(source, int(l), int(t)) for l, t in zip(labels, targets)]
    order = rng.permutation(len(edges))
    return Graph(nodes, [edges[i] for i in order])


def random_walk(rng: np.random.Generator, graph: Graph, length: int,
                tries: int = 50) -> tuple[int, list[int], list[int]] | None:
    """(start, labels, nodes reached) of a walk of ``length`` steps in which every step's label
    picks exactly one edge; None if none was found in ``tries`` attempts."""
    for _ in range(tries):
        node = int(rng.choice(graph.nodes))
        start, labels, reached = node, [], []
        for _ in range(length):
            options = [(l, d) for s, l, d in graph.out_edges(node) if graph.follow(node, l) == d]
            if not options:
                break
            label, node = options[int(rng.integers(len(options)))]
            labels.append(label)
            reached.append(node)
        if len(labels) == length:
            return start, labels, reached
    return None


def traverse(graph: Graph, start: int, labels: list[int]) -> list[int] | None:
    """The nodes reached by following ``labels`` from ``start`` (None if a step is undefined)."""
    node, reached = start, []
    for label in labels:
        node = graph.follow(node, label)
        if node is None:
            return None
        reached.append(node)
    return reached


def shortest_paths(graph: Graph, start: int) -> tuple[dict[int, int], dict[int, int]]:
    """Breadth first from ``start``: (distance, number of shortest paths) per reachable node."""
    distance, count = {start: 0}, {start: 1}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for _, _, nxt in graph.out_edges(node):
            if nxt not in distance:
                distance[nxt], count[nxt] = distance[node] + 1, count[node]
                queue.append(nxt)
            elif distance[nxt] == distance[node] + 1:
                count[nxt] += count[node]
    return distance, count


def unique_shortest_path(graph: Graph, start: int, goal: int) -> list[int] | None:
    """The nodes after ``start`` on the shortest path to ``goal`` if it is unique, else None."""
    distance, count = shortest_paths(graph, start)
    if goal not in distance or goal == start or count[goal] != 1:
        return None
    path = [goal]
    while path[-1] != start:
        node = path[-1]
        previous = [s for s, _, d in graph.edges if d == node and distance.get(s) == distance[node] - 1]
        path.append(previous[0])          # unique: count[goal] == 1
    return path[::-1][1:]
