"""A fictional city's metro, generated at import: stations, their fare zones, plane positions
and the pairs of adjacent stations on each line. Synthetic, made to have the size and shape of
the London Underground (about 300 stations, 400 adjacent pairs, 13 lines, about 60 stations
in zone 1); no real map's data is used.

How it is built (deterministic: a ``numpy`` generator with the fixed seed ``SEED``):

* Ten straight lines cross the plane at evenly spread angles (jittered), each passing a
  little off the centre so that they do not all meet at one point; two shorter lines start
  on the loop, pass the centre and bend out to the suburbs; one line is a loop (a circle of
  radius ``LOOP_RADIUS`` around the centre).
* Stops are laid along each line with a spacing that grows with the distance from the
  centre (dense centre, sparse suburbs). A stop closer than ``SNAP`` times that spacing to an
  existing station becomes that station: that is how lines share interchanges.
* Consecutive stops of a line are its adjacent pairs, so every line is a path (the loop a
  cycle).
* Zones: the 60 stations nearest the centre are zone 1; the rest get zones 2, 3, ... by
  distance, one zone per ``ZONE_WIDTH`` of distance beyond zone 1's radius.
* Names: "<Word> <Suffix>" drawn without repetition from two small invented word lists.

Positions are (north, east) in arbitrary units, so ``transit.compass`` reads them directly.
"""
from __future__ import annotations

import math

import numpy as np

SEED = 20161012
LINE_NAMES = ("Amber", "Azure", "Coral", "Crimson", "Emerald", "Indigo", "Ivory", "Jade",
              "Lilac", "Ochre", "Saffron", "Scarlet", "Slate")
LOOP_RADIUS, SNAP, ZONE_WIDTH, ZONE1_STATIONS = 2.0, 0.7, 2.0, 60
_WORDS = ("Alder", "Ash", "Barrow", "Beacon", "Birch", "Bram", "Brook", "Cinder", "Clay",
          "Cobble", "Copper", "Crane", "Elm", "Fallow", "Fen", "Fern", "Flint", "Fox", "Gorse",
          "Hazel", "Heron", "Holly", "Juniper", "Kestrel", "Lark", "Linden", "Marl", "Mill",
          "Moss", "Oak", "Otter", "Pike", "Plover", "Quarry", "Raven", "Reed", "Rook", "Rowan",
          "Rush", "Sable", "Sedge", "Sorrel", "Stone", "Swan", "Teasel", "Thorn", "Wren", "Yew")
_SUFFIXES = ("Bridge", "Common", "Cross", "End", "Gate", "Green", "Hill", "Lane", "Market",
             "Park", "Road", "Square", "Vale", "Wharf", "Wood")


def _spacing(x: float, y: float) -> float:
    return 0.22 + 0.08 * math.hypot(x, y)


def build(seed: int = SEED):
    """Returns (ZONES, POSITIONS, CONNECTIONS) of the generated city."""
    rng = np.random.default_rng(seed)
    points: list[tuple[float, float]] = []          # station index -> (north, east)

    def stop(y: float, x: float) -> int:
        for i, (py, px) in enumerate(points):
            if math.hypot(py - y, px - x) < SNAP * _spacing(x, y):
                return i
        points.append((y, x))
        return len(points) - 1

    def along(path) -> list[int]:                  # stops along a polyline, spacing by distance
        stops, (y, x) = [stop(*path[0])], path[0]
        for (y1, x1) in path[1:]:
            while math.hypot(y1 - y, x1 - x) > 1e-9:
                d = math.hypot(y1 - y, x1 - x)
                step = min(_spacing(x, y), d)
                y, x = y + (y1 - y) * step / d, x + (x1 - x) * step / d
                stops.append(stop(y, x))
        return stops

    routes: dict[str, list[int]] = {}
    for k, name in enumerate(LINE_NAMES[:10]):      # straight lines across the city
        angle = math.pi * (k + rng.uniform(-0.3, 0.3)) / 10
        offset, (r0, r1) = rng.uniform(-0.6, 0.6), rng.uniform(6.0, 11.0, size=2)
        dy, dx = math.sin(angle), math.cos(angle)
        oy, ox = -dx * offset, dy * offset
        routes[name] = along([(oy - dy * r0, ox - dx * r0), (oy + dy * r1, ox + dx * r1)])
    for name in LINE_NAMES[10:12]:                  # loop -> near the centre -> suburbs
        angle = rng.uniform(0, 2 * math.pi)
        end = rng.uniform(7.0, 10.0)
        routes[name] = along([(-LOOP_RADIUS * math.sin(angle), -LOOP_RADIUS * math.cos(angle)),
                              (0.3 * math.cos(angle), -0.3 * math.sin(angle)),
                              (end * math.sin(angle + 0.4), end * math.cos(angle + 0.4))])
    circle = [(LOOP_RADIUS * math.sin(t), LOOP_RADIUS * math.cos(t))
              for t in np.linspace(0, 2 * math.pi, 25)]
    loop = along(circle)
    routes[LINE_NAMES[12]] = loop if loop[-1] == loop[0] else loop + [loop[0]]

    names = [f"{w} {s}" for w in _WORDS for s in _SUFFIXES]
    order = rng.permutation(len(names))[:len(points)]
    station = [names[i] for i in order]
    pairs: dict[frozenset, tuple[str, str, str]] = {}
    for line, stops in routes.items():
        for a, b in zip(stops, stops[1:]):
            if a != b and frozenset((a, b, line)) not in pairs:
                pairs[frozenset((a, b, line))] = (station[a], station[b], line)
    used = sorted({s for a, b, _ in pairs.values() for s in (a, b)})
    index = {name: i for i, name in enumerate(station)}
    distance = {s: math.hypot(*points[index[s]]) for s in used}
    inner = sorted(used, key=distance.get)[:ZONE1_STATIONS]
    radius = max(distance[s] for s in inner)
    zones = {s: 1 if s in inner else 2 + int((distance[s] - radius) // ZONE_WIDTH) for s in used}
    positions = {s: (round(points[index[s]][0], 3), round(points[index[s]][1], 3)) for s in used}
    return zones, positions, tuple(pairs.values())


#: station -> fare zone (1: the centre)
ZONES: dict[str, int]
#: station -> (north, east) position in arbitrary units
POSITIONS: dict[str, tuple[float, float]]
#: (station, station, line) for each pair of adjacent stations on a line
CONNECTIONS: tuple[tuple[str, str, str], ...]
ZONES, POSITIONS, CONNECTIONS = build()
