"""Reading hand-written YAML node by node, so every error names its line.

The ledgers in tests/principles/ (absolutes.yml, counterfactuals.yml) are
parsed with ``yaml.compose``: each node keeps where it was written, and a
wrong value fails with ``file:line`` rather than a bare KeyError.
"""

from collections.abc import Iterable
from pathlib import Path

import yaml

from handbook.content.locations import LocatedError, Location

STR_TAG = "tag:yaml.org,2002:str"


def node_location(path: Path, node: yaml.Node) -> Location:
    return Location(path, node.start_mark.line + 1)


def node_text(path: Path, node: yaml.Node, what: str) -> str:
    """A string node's value, empty allowed (a counterfactual's ``new: ""``)."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != STR_TAG:
        raise LocatedError(node_location(path, node), f"{what} must be text")
    return str(node.value)


def nonblank_node_text(path: Path, node: yaml.Node, what: str) -> str:
    """A string node's value, which must hold more than white space."""
    if (
        not isinstance(node, yaml.ScalarNode)
        or node.tag != STR_TAG
        or not str(node.value).strip()
    ):
        raise LocatedError(node_location(path, node), f"{what} must be non-empty text")
    return str(node.value)


def mapping_entries(
    path: Path, node: yaml.Node, what: str
) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """A mapping node's entries in order: (key, key node, value node)."""
    if not isinstance(node, yaml.MappingNode):
        raise LocatedError(node_location(path, node), f"{what} must be a mapping")
    return [(nonblank_node_text(path, k, "a key"), k, v) for k, v in node.value]


def node_fields(
    path: Path, node: yaml.Node, what: str, allowed: Iterable[str]
) -> dict[str, yaml.Node]:
    """A mapping node's values by key, refusing unknown and repeated keys."""
    allowed = set(allowed)
    fields: dict[str, yaml.Node] = {}
    for name, key, value in mapping_entries(path, node, what):
        if name not in allowed:
            raise LocatedError(
                node_location(path, key),
                f"{what}: unknown field {name!r}; fields: {', '.join(sorted(allowed))}",
            )
        if name in fields:
            raise LocatedError(
                node_location(path, key), f"{what}: {name!r} given twice"
            )
        fields[name] = value
    return fields


def node_items(path: Path, node: yaml.Node, what: str) -> list[yaml.Node]:
    """A sequence node's items; it must have at least one."""
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise LocatedError(
            node_location(path, node), f"{what} must be a non-empty list"
        )
    return list(node.value)
