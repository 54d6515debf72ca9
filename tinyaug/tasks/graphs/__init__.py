"""Graph reasoning tasks (Graves et al. 2016): a graph as (source, label, destination)
triples, then a query: traversal, shortest path, family-tree inference; random graphs with a
curriculum, and the shipped London map (``london_map.py``, compiled from public data)."""
from .family import BASE_RELATIONS, COMPOUND_RELATIONS, family_tree, relative
from .graph import Graph, random_graph, random_walk, shortest_paths, traverse, unique_shortest_path
from .task import CURRICULUM, GraphInference, GraphShortestPath, GraphTask, GraphTraversal
from .transit import TRANSIT_LABELS, london_graph

__all__ = ["BASE_RELATIONS", "COMPOUND_RELATIONS", "CURRICULUM", "Graph", "GraphInference",
           "GraphShortestPath", "GraphTask", "GraphTraversal", "TRANSIT_LABELS", "family_tree",
           "london_graph", "random_graph", "random_walk", "relative", "shortest_paths",
           "traverse", "unique_shortest_path"]
