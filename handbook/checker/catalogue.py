"""The principles as the checker knows them, shipped inside the package.

An installed wheel has no ``docs/`` tree, so the registry cannot be loaded
where the checker runs. ``data/principles.json`` holds what the checker
prints (ID, level, title, summary, Why, review comment, short URL) and what
departures are checked against (every live ID's level, every merged or
retired ID). It is generated from the registry; a test fails when it differs
from what the registry gives today. Regenerate it with::

    uv run python -m handbook.checker.catalogue
"""

import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from handbook.content.departures import IdRules, gone_message

REGENERATE = "uv run python -m handbook.checker.catalogue"
DATA_FILE = "principles.json"
# Where the handbook is published: GitHub Pages of the repository mkdocs.yml
# names by default (https://github.com/python-backend-principles/handbook).
# Short URLs and review comments are built on it; a test keeps it in step.
PUBLISHED_SITE_URL = "https://python-backend-principles.github.io/handbook/"
DEPARTURE_GUIDE = "code-review/#record-a-departure"


@dataclass(frozen=True)
class PrincipleInfo:
    """One principle, as the checker prints it."""

    id: str
    title: str
    short_name: str
    """Two to four words, shown after the ID where principles are listed."""
    summary: str
    level: str
    area: str
    why: str
    """The page's Why, as plain prose (no code, no links, no measurements)."""
    review_comment: str
    """The comment a reviewer pastes, short URL included."""
    short_url: str
    url: str


@dataclass(frozen=True)
class Catalogue:
    """Every principle, the areas, and the IDs that went away."""

    site_url: str
    levels: tuple[str, ...]
    areas: dict[str, str]
    """Area key to title, in reading order."""
    principles: dict[str, PrincipleInfo]
    gone: dict[str, str]
    """Merged or retired ID to why it cannot be cited any more."""

    def id_rules(self) -> IdRules:
        return IdRules(
            levels={p.id: p.level for p in self.principles.values()},
            gone=self.gone,
        )

    @property
    def departure_guide(self) -> str:
        return self.site_url + DEPARTURE_GUIDE


def from_json(data: dict[str, Any]) -> Catalogue:
    return Catalogue(
        site_url=data["site_url"],
        levels=tuple(data["levels"]),
        areas=dict(data["areas"]),
        principles={p["id"]: PrincipleInfo(**p) for p in data["principles"]},
        gone=dict(data["gone"]),
    )


@cache
def load() -> Catalogue:
    """The catalogue shipped with the package."""
    text = resources.files("handbook.checker").joinpath("data", DATA_FILE)
    return from_json(json.loads(text.read_text(encoding="utf-8")))


# --- Generation, from the registry (needs the docs/ tree and the site's code).

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_CITATION = "[[bench:"
# A sentence ends with . ! or ? before a space and a capital or a backtick.
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*(])")


def why_text(body: str) -> str:
    """The Why section's prose before its first code block, as plain text.

    A sentence that cites a measurement is left out: its numbers live on the
    page and change with every benchmark run.
    """
    section = body.split("\n## Why", 1)[1].split("\n## ", 1)[0]
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", section.strip()):
        if paragraph.lstrip().startswith(("```", "~~~", "!!!", "<")):
            break
        text = " ".join(_LINK.sub(r"\1", paragraph).split())
        sentences = [s for s in _SENTENCE.split(text) if _CITATION not in s]
        if sentences:
            paragraphs.append(" ".join(sentences))
    if not paragraphs:
        raise ValueError("the Why section starts without a paragraph of prose")
    return "\n\n".join(paragraphs)


def generate(docs_dir: Path, site_url: str = PUBLISHED_SITE_URL) -> dict[str, Any]:
    """The catalogue's data, from the registry and the pages."""
    from handbook.content.markdown_document import read_document
    from handbook.content.registry import LEVELS, load_registry
    from handbook.content.review_comments import absolute, review_comment

    registry = load_registry(docs_dir)
    principles = []
    for p in registry.reading_order():
        body = read_document(docs_dir / p.path).body
        principles.append(
            {
                **p.identity(),
                "why": why_text(body),
                "review_comment": review_comment(p, site_url),
                "short_url": absolute(site_url, p.short_url),
                "url": absolute(site_url, p.url),
            }
        )
    return {
        "generated_by": REGENERATE,
        "site_url": site_url,
        "levels": list(LEVELS),
        "areas": {area.key: area.title for area in registry.areas},
        "principles": principles,
        "gone": {
            e.id: gone_message(e.status, e.target, e.reason)
            for e in sorted(registry.lock, key=lambda e: e.id)
            if e.status != "active"
        },
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def data_path() -> Path:
    return Path(__file__).parent / "data" / DATA_FILE


def main() -> int:
    from handbook.content.docs_tree import DOCS_DIR

    data_path().write_text(render(generate(DOCS_DIR)), encoding="utf-8")
    print(f"wrote {data_path()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
