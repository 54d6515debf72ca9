"""The shipped (synthetic) city map as a ``Graph``: each connection becomes two triples (one
each way) labelled with the line and the compass direction of travel (the larger of the
north-south and east-west displacements), as the DNC paper labelled the London Underground's
edges by line and direction. Stations get distinct random node ids, so a model meets them as
it meets the nodes of random graphs."""
from __future__ import annotations

import numpy as np

from .graph import Graph
from .city_map import CONNECTIONS, POSITIONS, ZONES

LINES = tuple(sorted({line for _, _, line in CONNECTIONS}))
COMPASS = ("north", "south", "east", "west")
#: Edge labels of transit maps (and of the random training graphs): (line, direction).
TRANSIT_LABELS = tuple((line, way) for line in LINES for way in COMPASS)
_OPPOSITE = {"north": "south", "south": "north", "east": "west", "west": "east"}


def compass(origin: str, destination: str) -> str:
    """The main direction of travel from one station to another."""
    (north0, east0), (north1, east1) = POSITIONS[origin], POSITIONS[destination]
    north, east = north1 - north0, east1 - east0
    if abs(north) >= abs(east):
        return "north" if north > 0 else "south"
    return "east" if east > 0 else "west"


def city_stations(max_zone: float = 1.0) -> list[str]:
    return sorted(s for s, z in ZONES.items() if z <= max_zone)


def city_graph(rng: np.random.Generator, node_alphabet: int, max_zone: float = 1.0
                 ) -> tuple[Graph, dict[int, str], dict[int, tuple[str, str]]]:
    """The stations of zones ≤ ``max_zone`` and the connections between them. Returns the
    graph, node id -> station and label id -> (line, direction)."""
    stations = city_stations(max_zone)
    if len(stations) > node_alphabet:
        raise ValueError(f"city_graph: {len(stations)} stations in zones <= {max_zone} need a "
                         f"node alphabet of at least that size, got {node_alphabet}")
    ids = {s: int(i) for s, i in zip(stations, rng.choice(node_alphabet, size=len(stations),
                                                          replace=False))}
    label_id = {label: index for index, label in enumerate(TRANSIT_LABELS)}
    edges = []
    for a, b, line in CONNECTIONS:
        if a in ids and b in ids:
            way = compass(a, b)
            edges.append((ids[a], label_id[(line, way)], ids[b]))
            edges.append((ids[b], label_id[(line, _OPPOSITE[way])], ids[a]))
    order = rng.permutation(len(edges))
    graph = Graph(sorted(ids.values()), [edges[i] for i in order])
    return graph, {v: k for k, v in ids.items()}, dict(enumerate(TRANSIT_LABELS))
