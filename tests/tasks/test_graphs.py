"""Graph tasks: every answer re-derived from the encoded inputs alone (the triples decoded back
from the one-hot steps), the shipped London map's shape and a few known facts, curriculum
overrides and errors."""
import numpy as np
import pytest

from tinyaug.tasks import make_task
from tinyaug.tasks.graphs import (BASE_RELATIONS, COMPOUND_RELATIONS, Graph, london_graph,
                                  random_graph, shortest_paths, traverse)
from tinyaug.tasks.graphs.london_map import CONNECTIONS, ZONES
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


@pytest.mark.parametrize("graph", ["random", "london"])
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


@pytest.mark.parametrize("graph", ["random", "london"])
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


def test_london_map_shape_and_known_facts():
    assert len(ZONES) == 302 and len(CONNECTIONS) == 406
    pairs = {(a, b, line) for a, b, line in CONNECTIONS} | {(b, a, line) for a, b, line in CONNECTIONS}
    assert ("Oxford Circus", "Bond Street", "Central") in pairs
    assert ("Bank", "Waterloo", "Waterloo & City") in pairs
    assert ("Euston", "Warren Street", "Victoria") in pairs
    lines_at_kings_cross = {line for a, b, line in pairs if a == "King's Cross St. Pancras"}
    assert len(lines_at_kings_cross) == 6
    assert compass("Oxford Circus", "Warren Street") == "north"
    assert compass("Bond Street", "Oxford Circus") == "east"
    graph, names, _ = london_graph(np.random.default_rng(0), 64)
    assert len(graph.nodes) == 60 and len(graph.edges) == 230
    assert len(set(names)) == 60


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
        london_graph(np.random.default_rng(0), 32)
