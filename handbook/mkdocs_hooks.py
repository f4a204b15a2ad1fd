"""MkDocs hooks: build the site around the principle registry.

The registry is loaded (and validated) once per build. From it the hooks
derive the navigation (which is the reading order), the generated pages, the
parts every principle page repeats, ``principles.json`` and the short URLs.
Any registry or anatomy problem stops the build with ``file:line: message``.
"""

from pathlib import Path
from typing import Any, TypedDict

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from handbook import pages
from handbook.anatomy import check_anatomy
from handbook.api_reference import api_modules
from handbook.docs_tree import REPO_ROOT
from handbook.locations import LocatedError
from handbook.registry import Registry, load_registry, split_front_matter
from handbook.source_document import SourceDocument
from handbook.verdicts import Verdicts, annotator, corrections_page, load_verdicts

DEFAULT_SITE_URL = "http://127.0.0.1:8000/"


class _BuildState(TypedDict, total=False):
    """What on_config reads once, for the hooks that run after it."""

    registry: Registry
    source: SourceDocument
    anchors: dict[str, str]
    docs_dir: Path
    verdicts: Verdicts


_state: _BuildState = {}


def _registry() -> Registry:
    return _state["registry"]


def _site_url(config: MkDocsConfig) -> str:
    return config.site_url or DEFAULT_SITE_URL


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    docs_dir = Path(config.docs_dir)
    try:
        registry = load_registry(docs_dir)
        source = SourceDocument.load(docs_dir)
        anchors = {p.id: source.anchor_for(p, docs_dir) for p in registry.principles}
        verdicts = load_verdicts(docs_dir, source, registry, REPO_ROOT)
    except LocatedError as error:
        raise PluginError(str(error)) from error
    _state.update(
        _BuildState(
            registry=registry,
            source=source,
            anchors=anchors,
            docs_dir=docs_dir,
            verdicts=verdicts,
        )
    )
    config.nav = _navigation(registry)
    return config


def _navigation(registry: Registry) -> list[Any]:
    nav: list[Any] = [
        {"Home": "index.md"},
        {"Start here": "start-here.md"},
        {"Checklist": "checklist.md"},
    ]
    for area, principles in registry.areas_in_use():
        nav.append({area.title: [{p.title: p.path.as_posix()} for p in principles]})
    nav.append(
        {"Reference service": [{"Overview": "reference/index.md"}, *_api_navigation()]}
    )
    nav.append(
        {
            "About": [
                {"Principle IDs": "ids.md"},
                {"Changes": "changes.md"},
                {"Source document": "source.md"},
                {"Corrections": "corrections.md"},
                {"Contributing": "contributing.md"},
            ]
        }
    )
    return nav


def _api_navigation() -> list[Any]:
    """API pages grouped by package: shop, then shop.core, shop.orders, ..."""
    groups: dict[str, list[Any]] = {}
    for module in api_modules():
        package = ".".join(module.split(".")[:2])
        groups.setdefault(package, []).append({module: f"reference/{module}.md"})
    return [
        {package: pages} if len(pages) > 1 else pages[0]
        for package, pages in groups.items()
    ]


def on_files(files: Files, config: MkDocsConfig) -> Files:
    registry = _registry()
    source: SourceDocument = _state["source"]
    verdicts: Verdicts = _state["verdicts"]
    site_url = _site_url(config)
    generated = {
        "start-here.md": pages.reading_order(registry),
        "checklist.md": pages.checklist(registry, site_url),
        "ids.md": pages.id_index(registry),
        "changes.md": pages.changelog(registry),
        "source.md": source.render(
            list(registry.principles), annotate=annotator(verdicts)
        ),
        "corrections.md": corrections_page(verdicts, registry),
        "principles.json": pages.principles_json(registry, site_url),
    }
    for module in api_modules():
        generated[f"reference/{module}.md"] = f"# `{module}`\n\n::: {module}\n"
    for src_uri, content in generated.items():
        files.append(File.generated(config, src_uri, content=content))
    return files


def on_page_markdown(
    markdown: str, page: Page, config: MkDocsConfig, **_: object
) -> str:
    registry = _registry()
    principle = registry.by_path(page.file.src_uri)
    if principle is None:
        return markdown
    docs_dir: Path = _state["docs_dir"]
    path = docs_dir / principle.path
    _, body, first_line = split_front_matter(path, path.read_text(encoding="utf-8"))
    try:
        check_anatomy(path, body, first_line)
    except LocatedError as error:
        raise PluginError(str(error)) from error
    anchors: dict[str, str] = _state["anchors"]
    return pages.assemble_principle(
        registry, principle, markdown, anchors[principle.id], _site_url(config)
    )


def on_post_build(config: MkDocsConfig) -> None:
    """Write a static redirect for every ID ever published: /id/<ID>/."""
    for principle_id, target in _registry().redirects().items():
        directory = Path(config.site_dir) / "id" / principle_id
        directory.mkdir(parents=True, exist_ok=True)
        canonical = pages.absolute(_site_url(config), target)
        html = pages.redirect_html("../../" + target, canonical, principle_id)
        (directory / "index.html").write_text(html, encoding="utf-8")
