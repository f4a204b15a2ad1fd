"""The checker's rule data is the registry's, and every principle's coverage is said.

The package ships ``handbook/checker/data/principles.json`` because an
installed wheel has no ``docs/``; these tests keep it equal to what the
registry gives today, so an ID, a level or a title cannot drift.
"""

import io
import json
import re
from pathlib import Path

from handbook.checker import catalogue
from handbook.checker.coverage import NOT_MACHINE_CHECKED, machine_checked_ids
from handbook.checker.registry import RULES
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT


def test_the_shipped_rule_data_is_what_the_registry_gives_today() -> None:
    shipped = catalogue.data_path().read_text(encoding="utf-8")
    generated = catalogue.render(catalogue.generate(DOCS_DIR))
    assert shipped == generated, (
        f"handbook/checker/data/principles.json is stale: run `{catalogue.REGENERATE}`"
    )


def test_short_urls_are_built_on_the_address_the_site_is_published_at() -> None:
    # The workflow publishes to GitHub Pages of the repository mkdocs.yml names.
    mkdocs = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    repo_url = re.search(
        r'repo_url: !ENV \[REPO_URL, "https://github\.com/([^/"]+)/([^/"]+)"\]', mkdocs
    )
    assert repo_url, "mkdocs.yml names no GitHub repo_url"
    owner, name = repo_url.groups()
    published = f"https://{owner}.github.io/{name}/"
    assert published == catalogue.PUBLISHED_SITE_URL
    loaded = catalogue.load()
    assert loaded.principles["API-ETAG"].short_url == (
        f"https://{owner}.github.io/{name}/id/API-ETAG/"
    )


def test_every_rule_names_a_principle_the_handbook_publishes() -> None:
    known = set(catalogue.load().principles)
    assert {rule.principle_id for rule in RULES} <= known


def test_every_principle_is_checked_or_says_why_it_cannot_be() -> None:
    principles = set(catalogue.load().principles)
    checked = machine_checked_ids()
    assert checked | set(NOT_MACHINE_CHECKED) == principles
    assert checked & set(NOT_MACHINE_CHECKED) == set()


def test_the_catalogue_is_read_from_the_package_not_from_docs() -> None:
    # What an installed wheel sees: the data file next to the module.
    data = catalogue.data_path()
    assert data.parent.parent == Path(catalogue.__file__).parent
    assert len(catalogue.load().principles) == len(
        list((DOCS_DIR / "principles").rglob("*.md"))
    ) - len(list((DOCS_DIR / "principles").rglob("index.md")))


def test_principles_json_says_what_checks_each_principle() -> None:
    import json

    from handbook.content.registry import load_registry
    from handbook.site import machine_readable

    document = json.loads(
        machine_readable.principles_json(
            load_registry(DOCS_DIR), "https://example.org/"
        )
    )
    by_id = {p["id"]: p["checker"] for p in document["principles"]}

    assert by_id["DB-BOUND-PARAMS"]["machine_checked"] is True
    assert {(r["tool"], r["code"]) for r in by_id["DB-BOUND-PARAMS"]["checked_by"]} == {
        ("ruff", "S608"),
        ("principles", "sql-from-string"),
    }
    assert by_id["SEC-AUTHZ"] == {
        "machine_checked": False,
        "checked_by": [],
        "not_checked_because": NOT_MACHINE_CHECKED["SEC-AUTHZ"],
    }


def _run(*arguments: str) -> str:
    from handbook.checker.cli import main

    out = io.StringIO()
    assert main(["rules", *arguments], stdout=out) == 0
    return out.getvalue()


def test_principles_rules_lists_every_rule_and_says_why_a_principle_has_none() -> None:
    loaded = catalogue.load()
    text = _run()
    data = json.loads(_run("--json"))

    for rule in RULES:
        principle = loaded.principles[rule.principle_id]
        assert f"{principle.id} {principle.level} {principle.short_url}\n" in text
        assert f"    {rule.tool} {rule.code} [{rule.stage}] {rule.checks}\n" in text
        assert {
            "id": principle.id,
            "level": principle.level,
            "url": principle.short_url,
            "tool": rule.tool,
            "code": rule.code,
            "stage": rule.stage,
        }.items() <= next(
            r
            for r in data["rules"]
            if (r["id"], r["code"]) == (principle.id, rule.code)
        ).items()
    assert len(data["rules"]) == len(RULES)
    for principle_id, why in NOT_MACHINE_CHECKED.items():
        assert f"    not machine-checked: {why}\n" in text, principle_id
        listed = next(p for p in data["principles"] if p["id"] == principle_id)
        assert listed["not_checked_because"] == why
