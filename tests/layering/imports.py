"""The import-direction checker: every ``import`` in a package, read with ``ast`` (imports inside
functions included), checked against a table of layers.

A module may import from its own top-level part (``tinyaug.models.ntm`` from
``tinyaug.models.act``) and from parts on lower layers. An import of a part on the same layer
(sideways) or a higher one (upward) is a violation unless the pair is listed in ``allowed``.
A top-level part missing from the table is a violation too, so that a new part gets a place.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Arrow:
    """``importer`` (a module) imports ``imported`` (a module or package) at ``line``."""
    importer: str
    imported: str
    line: int


def module_name(package_dir: str, package: str, path: str) -> str:
    relative = os.path.relpath(path, package_dir)[:-len(".py")].split(os.sep)
    if relative[-1] == "__init__":
        relative = relative[:-1]
    return ".".join([package, *relative])


def arrows(package_dir: str, package: str) -> list[Arrow]:
    """Every import of ``package`` by a module of ``package`` (found under ``package_dir``)."""
    found: list[Arrow] = []
    for folder, _, files in os.walk(package_dir):
        for file in sorted(files):
            if not file.endswith(".py"):
                continue
            path = os.path.join(folder, file)
            importer = module_name(package_dir, package, path)
            is_package = file == "__init__.py"
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), filename=path)
            for node in ast.walk(tree):
                for target in _targets(node, importer, is_package):
                    if target == package or target.startswith(package + "."):
                        found.append(Arrow(importer, target, node.lineno))
    return found


def _targets(node: ast.AST, importer: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level == 0:
        base = node.module or ""
    else:
        parts = importer.split(".")
        if not is_package:
            parts = parts[:-1]          # a module's relative imports start at its package
        parts = parts[:len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    if node.module is None:             # ``from .. import optim``: each name is a module
        return [f"{base}.{alias.name}" for alias in node.names]
    return [base]


def part_of(module: str, package: str) -> str:
    """The top-level part: ``tinyaug.models.ntm.cell`` -> ``models``; the package itself -> ``""``."""
    rest = module[len(package):].lstrip(".")
    return rest.split(".")[0]


def violations(package_dir: str, package: str, layers: dict[str, int],
               allowed: set[tuple[str, str]] = frozenset()) -> list[str]:
    """Upward and sideways imports (and parts missing from ``layers``), as readable lines.
    ``layers``: {top-level part: layer number}, ``""`` for the package's ``__init__``;
    ``allowed``: (importer module, imported module) pairs exempted by name."""
    problems = []
    for arrow in arrows(package_dir, package):
        source, target = part_of(arrow.importer, package), part_of(arrow.imported, package)
        if source == target:
            continue
        missing = [part for part in (source, target) if part not in layers]
        if missing:
            problems.append(f"{arrow.importer}:{arrow.line}: {package}.{missing[0]} has no layer")
            continue
        if (arrow.importer, arrow.imported) in allowed:
            continue
        if layers[target] >= layers[source]:
            kind = "sideways" if layers[target] == layers[source] else "upward"
            problems.append(f"{arrow.importer}:{arrow.line} imports {arrow.imported} ({kind}: "
                            f"{target or package} is layer {layers[target]}, "
                            f"{source or package} is layer {layers[source]})")
    return problems
