"""YAML read with line numbers, so a finding in a config file names its line."""

from dataclasses import dataclass
from typing import Any

from handbook.checker.files import CannotCheck


@dataclass(frozen=True)
class Located:
    """A YAML value with the 1-based line it starts on."""

    value: Any
    line: int

    def get(self, key: str) -> "Located | None":
        if isinstance(self.value, dict):
            return self.value.get(key)
        return None

    def items(self) -> list["Located"]:
        return list(self.value) if isinstance(self.value, list) else []

    def plain(self) -> Any:
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def load(text: str, name: str) -> Located | None:
    """The document, or None when empty; CannotCheck when it is not YAML."""
    try:
        import yaml
    except ImportError as error:  # pragma: no cover - the checker extra has it
        raise CannotCheck(
            "PyYAML is not installed (the checker extra installs it)", True
        ) from error
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        # Imported here: yaml_nodes needs PyYAML, which the checker extra installs.
        from handbook.content.yaml_nodes import error_line

        line = error_line(error)
        where = f":{line}" if line else ""
        raise CannotCheck(
            f"{name}{where}: not valid YAML: {getattr(error, 'problem', error)}", True
        ) from error
    return None if node is None else _convert(node, yaml)


def _convert(node: Any, yaml: Any) -> Located:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return Located({str(k.value): _convert(v, yaml) for k, v in node.value}, line)
    if isinstance(node, yaml.SequenceNode):
        return Located([_convert(v, yaml) for v in node.value], line)
    return Located(_scalar(node, yaml), line)


def _scalar(node: Any, yaml: Any) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
