"""YAML parsing with libyaml when PyYAML has it: several times faster than
the pure-Python parser, which the build otherwise spends a second in."""

from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load``, with the C loader when available."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def compose(text: str) -> yaml.Node | None:
    """``yaml.compose`` (nodes with line numbers), with the C loader when available."""
    return yaml.compose(text, Loader=SafeLoader)
