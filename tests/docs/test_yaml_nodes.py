"""Hand-written YAML that does not parse fails at the line the parser stopped on.

One reading of a parse error (:mod:`handbook.content.yaml_nodes`) serves the
ledgers, verdicts.yml, the registry's data files, a page's front matter and
the checker's config files: each names the file and the line to fix.
"""

from pathlib import Path

import pytest

from handbook.checker.files import CannotCheck
from handbook.checker.yaml_lines import load
from handbook.content.locations import LocatedError
from handbook.content.markdown_document import parse_document
from handbook.content.yaml_nodes import compose_file

# Line 3 gives a value a second colon: "mapping values are not allowed here".
NOT_YAML = "# orders\nstatus: active\nreason: shipped: late\n"


def test_a_file_that_is_not_yaml_fails_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ids.lock.yml"
    path.write_text(NOT_YAML, encoding="utf-8")

    with pytest.raises(LocatedError) as error:
        compose_file(path)
    assert str(error.value.location) == f"{path}:3"
    assert error.value.message.startswith("not valid YAML: mapping values")


def test_front_matter_that_is_not_yaml_fails_at_the_pages_line() -> None:
    page = Path("docs/principles/data/orders.md")
    text = "---\ntitle: Orders\nsummary: Orders: kept.\n---\n\n## Why\n"

    with pytest.raises(LocatedError) as error:
        parse_document(page, text)
    assert str(error.value.location) == f"{page}:3"
    assert error.value.message.startswith("front matter is not valid YAML")


def test_a_checked_config_that_is_not_yaml_names_its_line() -> None:
    with pytest.raises(CannotCheck, match=r"^compose\.yaml:3: not valid YAML: "):
        load(NOT_YAML, "compose.yaml")
