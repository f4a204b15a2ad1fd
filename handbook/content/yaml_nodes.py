"""Reading hand-written YAML node by node, so every error names its line.

The hand-written YAML files (the ledgers in tests/principles/, and
docs/_data/verdicts.yml, areas.yml and ids.lock.yml) are parsed with
:func:`compose_file`: each node keeps where it was written, a file that is
not YAML fails at the line the parser stopped on, and a wrong value fails
with ``file:line`` rather than a bare KeyError. A key given twice, which
YAML alone resolves by keeping the last one silently, is refused.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from handbook.content import yaml_loading
from handbook.content.locations import LocatedError, Location

STR_TAG = "tag:yaml.org,2002:str"


def error_line(error: yaml.YAMLError, first_line: int = 1) -> int | None:
    """The line of the file a parse error stopped on, or None when the parser
    gives none; ``first_line`` is the file's line the YAML text starts on
    (2 for a page's front matter)."""
    mark = getattr(error, "problem_mark", None)
    return None if mark is None else int(mark.line) + first_line


def parse_error(
    path: Path,
    error: yaml.YAMLError,
    *,
    first_line: int = 1,
    what: str = "not valid YAML",
) -> LocatedError:
    """A parse error as a :class:`LocatedError` at its line of ``path``."""
    line = error_line(error, first_line) or first_line
    return LocatedError(Location(path, line), f"{what}: {error}")


def compose_file(path: Path) -> yaml.Node | None:
    """The file's root node (None when empty); a file that is not YAML
    fails at the line the parser stopped on."""
    try:
        return yaml_loading.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise parse_error(path, error) from error


def node_value(path: Path, node: yaml.Node, what: str) -> Any:
    """The Python value of a node, refusing a key given twice in any mapping in it."""
    check_unique_keys(path, node, what)
    return yaml.SafeLoader("").construct_document(node)


def check_unique_keys(path: Path, node: yaml.Node, what: str) -> None:
    """No mapping under ``node`` gives a key twice (YAML would keep the last)."""
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            check_unique_keys(path, item, what)
    if not isinstance(node, yaml.MappingNode):
        return
    first: dict[object, int] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            where = node_location(path, key)
            if key.value in first:
                raise LocatedError(
                    where,
                    f"{what}: {key.value!r} given twice (first on line "
                    f"{first[key.value]})",
                )
            first[key.value] = where.line
        check_unique_keys(path, value, what)


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
