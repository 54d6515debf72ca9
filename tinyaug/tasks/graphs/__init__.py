"""Graph reasoning tasks (Graves et al. 2016): a graph as (source, label, destination)
triples, then a query: traversal, shortest path, family-tree inference; random graphs with a
curriculum, and the shipped city map (``city_map.py``: a synthetic metro of the London
Underground's size and shape, generated at import)."""
from .family import BASE_RELATIONS, COMPOUND_RELATIONS, family_tree, relative
from .graph import Graph, random_graph, random_walk, shortest_paths, traverse, unique_shortest_path
from .task import CURRICULUM, GraphInference, GraphShortestPath, GraphTask, GraphTraversal
from .transit import TRANSIT_LABELS, city_graph

__all__ = ["BASE_RELATIONS", "COMPOUND_RELATIONS", "CURRICULUM", "Graph", "GraphInference",
           "GraphShortestPath", "GraphTask", "GraphTraversal", "TRANSIT_LABELS", "family_tree",
           "city_graph", "random_graph", "random_walk", "relative", "shortest_paths",
           "traverse", "unique_shortest_path"]
