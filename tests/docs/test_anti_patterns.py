"""The Anti-patterns page names each of the source's six and links to its principle."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.registry import load_registry

PAGE = DOCS_DIR / "anti-patterns.md"
SOURCE = DOCS_DIR / "_data" / "source-document.md"


def _source_anti_patterns() -> list[str]:
    section = (
        SOURCE.read_text().split("## Anti-Patterns to Avoid", 1)[1].split("\n## ", 1)[0]
    )
    return re.findall(r"^\d+\. \*\*(.+?)\*\*", section, flags=re.MULTILINE)


def test_the_source_names_six_anti_patterns() -> None:
    assert len(_source_anti_patterns()) == 6


def test_each_anti_pattern_has_a_section_linking_to_a_principle() -> None:
    registry = load_registry(DOCS_DIR)
    sections = dict(
        re.findall(
            r"^## (.+?)\n(.*?)(?=^## |\Z)", PAGE.read_text(), re.MULTILINE | re.DOTALL
        )
    )

    assert list(sections) == _source_anti_patterns()
    for name, body in sections.items():
        links = re.findall(r"\]\((principles/[^)]+\.md)\) `([A-Z0-9-]+)`", body)
        assert links, f"{name}: no link to a principle"
        for path, principle_id in links:
            assert registry.by_id(principle_id).path.as_posix() == path, name


def _mutable_defaults_section() -> str:
    text = (
        PAGE.read_text()
        .split("## Mutable Default Arguments", 1)[1]
        .split("\n## ", 1)[0]
    )
    return " ".join(text.split())


def test_a_functions_list_default_is_shared_between_calls_as_the_page_says() -> None:
    def add(sku: str, skus: list[str] = []) -> list[str]:  # noqa: B006 - the anti-pattern
        skus.append(sku)
        return skus

    add("a")
    assert add("b") == ["a", "b"]
    assert "`def add(sku, skus=[])` returns `['a', 'b']` from its second call" in (
        _mutable_defaults_section()
    )


def test_a_dataclass_refuses_a_list_default() -> None:
    import dataclasses

    import pytest

    with pytest.raises(
        ValueError, match="mutable default <class 'list'> for field skus is not allowed"
    ):

        @dataclasses.dataclass
        class OrderDraft:
            skus: list[str] = []  # noqa: RUF008 - the case the page describes

    assert (
        "a dataclass refuses a `[]` default with `ValueError`"
        in _mutable_defaults_section()
    )


def test_a_pydantic_model_copies_list_and_dict_defaults_per_instance() -> None:
    from pydantic import BaseModel

    class OrderDraft(BaseModel):
        skus: list[str] = []
        notes: dict[str, list[str]] = {"gift": []}

    first, second = OrderDraft(), OrderDraft()
    first.skus.append("BOOK-001")
    first.notes["gift"].append("wrap it")

    assert (second.skus, second.notes) == ([], {"gift": []})
    section = _mutable_defaults_section()
    assert "a Pydantic model copies a `[]` or `{}` default for each instance" in section
    assert "shared by every call or instance" not in section


def test_a_plain_default_is_computed_once_so_timestamps_need_default_factory() -> None:
    from datetime import UTC, datetime

    from pydantic import BaseModel, Field

    class Stamped(BaseModel):
        once: datetime = datetime.now(UTC)
        each: datetime = Field(default_factory=lambda: datetime.now(UTC))

    first, second = Stamped(), Stamped()
    assert first.once == second.once
    assert first.each < second.each
    assert (
        "use `default_factory` for a value computed per instance, such as a timestamp"
        in (_mutable_defaults_section())
    )


def _section(name: str) -> str:
    text = PAGE.read_text().split(f"## {name}", 1)[1].split("\n## ", 1)[0]
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("users", "orders", "error"),
    [
        (
            "from orders import Order\n\nclass User: ...\n",
            "from users import User\n\nclass Order: ...\n",
            "ImportError: cannot import name 'User' from partially initialized module",
        ),
        (
            "import orders\n\nclass User: ...\n\n"
            "def first_order() -> object:\n    return orders.Order()\n",
            "import users\n\nclass Order: ...\n\n"
            "def owner() -> object:\n    return users.User()\n",
            None,
        ),
    ],
    ids=["from-import", "module-import"],
)
def test_a_cycle_of_from_imports_fails_and_one_of_module_imports_starts(
    tmp_path: Path, users: str, orders: str, error: str | None
) -> None:
    (tmp_path / "users.py").write_text(users)
    (tmp_path / "orders.py").write_text(orders)

    started = subprocess.run(
        [sys.executable, "-c", "import users, orders; print(users.orders.users)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    if error is None:
        assert started.returncode == 0, started.stderr
        assert (
            "Written as `import users`, with the names read inside functions, the same cycle starts without an error"
            in _section("Circular Imports")
        )
    else:
        assert error in started.stderr
        assert "Two modules that import names from each other" in _section(
            "Circular Imports"
        )
