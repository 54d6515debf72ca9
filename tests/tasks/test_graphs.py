"""Graph tasks: every answer re-derived from the encoded inputs alone (the triples decoded back
from the one-hot steps), the shipped synthetic city map's shape, curriculum
overrides and errors."""
import collections

import numpy as np
import pytest

from tinyaug.tasks import make_task
from tinyaug.tasks.graphs import (BASE_RELATIONS, COMPOUND_RELATIONS, Graph, city_graph,
                                  random_graph, shortest_paths, traverse)
from tinyaug.tasks.graphs import city_map
from tinyaug.tasks.graphs.city_map import CONNECTIONS, POSITIONS, ZONES
from tinyaug.tasks.graphs.transit import compass


def _decode(task, inputs, column):
    """(description triples, query steps, answer step indices) of one batch column."""
    description, query, answer_steps = [], [], []
    for t in range(inputs.shape[0]):
        step = inputs[t, column]
        def part(s):
            hot = np.flatnonzero(step[s])
            return int(hot[0]) if len(hot) else -1
        triple = (part(task.source_slice), part(task.label_slice), part(task.destination_slice))
        flags = step[task.flag_offset:]
        if flags[0]:
            description.append(triple)
        elif flags[1]:
            query.append(triple)
        elif flags[2]:
            answer_steps.append(t)
    return description, query, answer_steps


@pytest.mark.parametrize("graph", ["random", "city"])
def test_traversal_answers_follow_the_described_edges(graph):
    task = make_task("graph-traversal", graph=graph, max_path=4, max_nodes=10)
    inputs, targets, mask = task.batch(24, np.random.default_rng(0))
    for b in range(24):
        description, query, steps = _decode(task, inputs, b)
        decoded = Graph(sorted({s for s, _, _ in description} | {d for _, _, d in description}),
                        description)
        start, labels = query[0][0], [label for _, label, _ in query]
        assert traverse(decoded, start, labels) == [int(targets[t, b]) for t in steps]
        assert np.all(mask[steps, b] == 1) and mask[:, b].sum() == len(steps) == len(labels)


@pytest.mark.parametrize("graph", ["random", "city"])
def test_shortest_path_answers_are_shortest_and_unique(graph):
    task = make_task("graph-shortest-path", graph=graph, min_path=2, max_path=4, max_nodes=10)
    inputs, targets, mask = task.batch(16, np.random.default_rng(1))
    for b in range(16):
        description, query, steps = _decode(task, inputs, b)
        decoded = Graph(sorted({s for s, _, _ in description} | {d for _, _, d in description}),
                        description)
        (start, _, goal), = query
        path = [int(targets[t, b]) for t in steps]
        distance, count = shortest_paths(decoded, start)
        assert path[-1] == goal and len(path) == distance[goal] and count[goal] == 1
        hops = list(zip([start] + path[:-1], path))
        assert all(any(s == a and d == c for s, _, d in description) for a, c in hops)


def test_inference_answers_follow_the_relation_chain():
    task = make_task("graph-inference")
    inputs, targets, mask = task.batch(24, np.random.default_rng(2))
    relation_names = list(COMPOUND_RELATIONS)
    for b in range(24):
        description, query, steps = _decode(task, inputs, b)
        (person, label, _), = query
        chain = COMPOUND_RELATIONS[relation_names[label - len(BASE_RELATIONS)]]
        for relation in chain:
            code = BASE_RELATIONS.index(relation)
            person = next(d for s, l, d in description if s == person and l == code)
        assert [person] == [int(targets[t, b]) for t in steps]


def test_random_graph_labels_are_unambiguous():
    graph = random_graph(np.random.default_rng(3), 12, 64, 52, 3)
    for node in graph.nodes:
        labels = [l for s, l, _ in graph.edges if s == node]
        assert 1 <= len(labels) <= 3 and len(set(labels)) == len(labels)
        assert all(d != node for s, _, d in graph.edges if s == node)


def test_city_map_shape():
    assert 280 <= len(ZONES) <= 320 and 380 <= len(CONNECTIONS) <= 430
    assert set(ZONES) == set(POSITIONS) == {s for a, b, _ in CONNECTIONS for s in (a, b)}
    assert len(set(ZONES)) == len(ZONES) and all(" " in name for name in ZONES)
    lines = {line for _, _, line in CONNECTIONS}
    assert len(lines) == 13
    neighbours = collections.defaultdict(set)
    for a, b, _ in CONNECTIONS:
        assert a != b
        neighbours[a].add(b)
        neighbours[b].add(a)
    reached, todo = {next(iter(ZONES))}, [next(iter(ZONES))]
    while todo:
        for n in neighbours[todo.pop()] - reached:
            reached.add(n)
            todo.append(n)
    assert reached == set(ZONES)                    # one connected network
    loops = 0
    for line in lines:                              # every line a path, or a cycle (the loop)
        pairs = [(a, b) for a, b, l in CONNECTIONS if l == line]
        degree = collections.Counter(s for pair in pairs for s in pair)
        assert len(set(map(frozenset, pairs))) == len(pairs) and max(degree.values()) <= 2
        ends = sum(d == 1 for d in degree.values())
        assert (ends == 2 and len(pairs) == len(degree) - 1
                or ends == 0 and len(pairs) == len(degree))
        loops += ends == 0
    assert loops == 1
    served_by = collections.defaultdict(set)
    for a, b, line in CONNECTIONS:
        served_by[a].add(line)
        served_by[b].add(line)
    assert sum(len(s) >= 2 for s in served_by.values()) >= 40   # interchanges
    assert max(len(s) for s in served_by.values()) >= 4
    distance = {s: np.hypot(*POSITIONS[s]) for s in ZONES}  # zones by distance from the centre
    assert max(distance[s] for s in ZONES if ZONES[s] == 1) < min(
        distance[s] for s in ZONES if ZONES[s] > 1)
    graph, names, _ = city_graph(np.random.default_rng(0), 64)
    assert len(graph.nodes) == 60 and 200 <= len(graph.edges) <= 250
    assert len(set(names.values())) == 60
    answers = collections.Counter((s, label) for s, label, _ in graph.edges)
    assert max(answers.values()) == 1               # no (station, label) with two destinations
    assert city_map.build() == (ZONES, POSITIONS, CONNECTIONS)   # deterministic


def test_compass_reads_north_east_positions(monkeypatch):
    monkeypatch.setitem(POSITIONS, "A", (0.0, 0.0))
    monkeypatch.setitem(POSITIONS, "B", (1.0, 0.5))
    monkeypatch.setitem(POSITIONS, "C", (0.2, -1.0))
    assert compass("A", "B") == "north" and compass("B", "A") == "south"
    assert compass("A", "C") == "west" and compass("C", "A") == "east"


def test_curriculum_overrides_and_errors():
    task = make_task("graph-traversal")
    inputs, _, mask = task.batch(8, np.random.default_rng(4), max_nodes=4, max_path=1)
    assert np.all(mask.sum(axis=0) == 1)
    with pytest.raises(ValueError, match="overrides"):
        task.batch(2, np.random.default_rng(0), length=3)
    with pytest.raises(ValueError, match="min_nodes <= max_nodes"):
        make_task("graph-traversal", min_nodes=5, max_nodes=3)
    with pytest.raises(ValueError, match="graph must be"):
        make_task("graph-shortest-path", graph="paris")
    with pytest.raises(ValueError, match="need a node alphabet of at least"):
        city_graph(np.random.default_rng(0), 32)
