"""MkDocs hooks: build the site around the principle registry.

The registry is loaded (and validated) once per build. From it the hooks
derive the navigation (which is the reading order), the generated pages, the
parts every principle page repeats, ``principles.json`` and the short URLs.
Any registry or anatomy problem stops the build with ``file:line: message``.
"""

import html
import re
from pathlib import Path
from typing import Any, TypedDict

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from benchmarks import results as bench_results
from handbook import bench_citations, benchmarks_page, evidence, pages
from handbook.anatomy import check_anatomy
from handbook.api_reference import api_modules, api_page
from handbook.code_spans import unwrap_plain_tokens
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
    benchmarks: bench_results.Results
    # Filled during the build: generated pages, and each principle's HTML
    # for the all-in-one print page.
    generated: set[str]
    rendered: dict[str, str]


_state: _BuildState = {}


def _registry() -> Registry:
    return _state["registry"]


def id_word(principle_id: str) -> str:
    """The ID as one search word, ``dbmigrations`` for DB-MIGRATIONS.

    Search splits an ID at its hyphens, and the words of one ID ("db",
    "migrations") are often words of its neighbours too; the site's search
    (docs/assets/search-worker.js) also looks a query's words up joined, so
    the page whose ID the reader typed ranks first.
    """
    return principle_id.replace("-", "").lower()


def _site_url(config: MkDocsConfig) -> str:
    return config.site_url or DEFAULT_SITE_URL


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    docs_dir = Path(config.docs_dir)
    try:
        registry = load_registry(docs_dir)
        source = SourceDocument.load(docs_dir)
        anchors = {p.id: source.anchor_for(p, docs_dir) for p in registry.principles}
        verdicts = load_verdicts(docs_dir, source, registry, REPO_ROOT)
        benchmarks = bench_results.load(docs_dir / "_data" / "benchmarks.json")
        benchmarks_page.check(benchmarks, registry)
    except (LocatedError, bench_results.ResultsError) as error:
        raise PluginError(str(error)) from error
    _state.update(
        _BuildState(
            registry=registry,
            source=source,
            anchors=anchors,
            docs_dir=docs_dir,
            verdicts=verdicts,
            benchmarks=benchmarks,
        )
    )
    config.nav = _navigation(registry)
    return config


def _navigation(registry: Registry) -> list[Any]:
    nav: list[Any] = [
        {"Home": "index.md"},
        {"Start here": "start-here.md"},
        {"Checklist": "checklist.md"},
        {"Anti-patterns": "anti-patterns.md"},
        {"Code review": "code-review.md"},
        {"Checker": "checker.md"},
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
                {"All on one page": "print.md"},
                {"Changes": "changes.md"},
                {"Source document": "source.md"},
                {"Corrections": "corrections.md"},
                # Evidence for pages in five areas, none of them a principle:
                # it sits with the other pages about the handbook's claims.
                {benchmarks_page.TITLE: benchmarks_page.PAGE},
                {"Contributing": "contributing.md"},
                # TEMP nav entry (branch readers): the site refactor adds it.
                {"Not covered": "not-covered.md"},
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
    docs_dir: Path = _state["docs_dir"]
    site_url = _site_url(config)
    minutes = {p.id: _reading_minutes(docs_dir / p.path) for p in registry.principles}
    generated = {
        "start-here.md": pages.reading_order(registry, minutes),
        "checklist.md": pages.checklist(registry, site_url),
        "ids.md": pages.id_index(registry),
        "changes.md": pages.changelog(registry),
        "source.md": source.render(
            list(registry.principles), annotate=annotator(verdicts)
        ),
        "corrections.md": corrections_page(verdicts, registry),
        # The literal name (benchmarks_page.PAGE): tests read these keys.
        "benchmarks.md": benchmarks_page.render(_state["benchmarks"], registry),
        "print.md": pages.print_page_intro(registry),
        "principles.json": pages.principles_json(registry, site_url),
        "llms.txt": pages.llms_txt(registry, site_url, config.site_description or ""),
    }
    for module in api_modules():
        generated[f"reference/{module}.md"] = api_page(
            module, config.get("repo_url"), REPO_ROOT
        )
    for src_uri, content in generated.items():
        files.append(File.generated(config, src_uri, content=content))
    _state["generated"] = set(generated)
    _state["rendered"] = {}
    return files


def _reading_minutes(path: Path) -> int:
    """Reading time of a page's body (front matter is not read by anyone)."""
    _, body, _ = split_front_matter(path, path.read_text(encoding="utf-8"))
    return pages.reading_minutes(body)


def on_page_markdown(
    markdown: str, page: Page, config: MkDocsConfig, **_: object
) -> str:
    markdown = _cite_measurements(markdown, page)
    registry = _registry()
    page.meta["search"] = {
        **pages.search_settings(registry, page.file.src_uri),
        **(page.meta.get("search") or {}),
    }
    principle = registry.by_path(page.file.src_uri)
    if principle is None:
        return markdown
    # Per-page description (meta description, Open Graph) and search terms:
    # Material's search ranks a match in a page's tags above all else.
    page.meta["description"] = html.escape(principle.summary, quote=True)
    page.meta["tags"] = list(
        dict.fromkeys(
            [principle.id, id_word(principle.id), *principle.tags, *principle.aliases]
        )
    )
    page.meta["pbp_id"] = principle.id
    docs_dir: Path = _state["docs_dir"]
    path = docs_dir / principle.path
    _, body, first_line = split_front_matter(path, path.read_text(encoding="utf-8"))
    try:
        check_anatomy(path, body, first_line, principle.level)
    except LocatedError as error:
        raise PluginError(str(error)) from error
    anchors: dict[str, str] = _state["anchors"]
    return pages.assemble_principle(
        registry,
        principle,
        markdown,
        anchors[principle.id],
        _site_url(config),
        evidence.verified_by(principle, docs_dir, config.get("repo_url")),
    )


def _cite_measurements(markdown: str, page: Page) -> str:
    """Replace ``[[bench:...]]`` placeholders; a bad one names its file and line."""
    generated = page.file.src_uri in _state["generated"]
    path = Path(page.file.abs_src_path or page.file.src_uri)
    source = markdown if generated else path.read_text(encoding="utf-8")
    try:
        return bench_citations.cite(
            path, source, markdown, _state["benchmarks"], page.file.src_uri
        )
    except LocatedError as error:
        raise PluginError(str(error)) from error


def on_page_content(content: str, page: Page, **_: object) -> str:
    """Name task-list checkboxes; keep each principle's HTML for the print page."""
    content = unwrap_plain_tokens(_TASK_CHECKBOX.sub(_named_checkbox, content))
    if _registry().by_path(page.file.src_uri) is not None:
        _state["rendered"][page.file.src_uri] = content
    return content


# pymdownx.tasklist renders a checkbox whose label has no text; a screen
# reader needs its name, which is the item's own text.
_TASK_CHECKBOX = re.compile(
    r'<input type="checkbox" disabled(?P<checked>\s*checked)?\s*/?>'
    r"(?P<rest>(?:<span[^>]*></span>)?</label>(?P<text>.*?))(?=<ul|<ol|</li>)",
    re.DOTALL,
)


def _named_checkbox(match: re.Match[str]) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", match["text"]))
    name = html.escape(" ".join(text.split()), quote=True)
    checked = " checked" if match["checked"] else ""
    return (
        f'<input type="checkbox" disabled{checked} aria-label="{name}"/>{match["rest"]}'
    )


def on_page_context(
    context: dict[str, object], page: Page, **_: object
) -> dict[str, object]:
    if page.file.src_uri in _state["generated"]:
        page.edit_url = None  # no source file to edit
    if page.file.src_uri == "print.md":
        page.content = (page.content or "").replace(
            pages.PRINT_MARKER, _all_principles_html(page)
        )
    return context


def _all_principles_html(page: Page) -> str:
    rendered = _state["rendered"]
    sections = []
    for principle in _registry().reading_order():
        content = pages.relocate_html(
            rendered[principle.path.as_posix()],
            principle.url,
            page.url,
            principle.id.lower(),
        )
        sections.append(
            f'<article class="pbp-print-principle" id="{principle.id.lower()}">'
            f"{content}</article>"
        )
    return "\n".join(sections)


def on_post_build(config: MkDocsConfig) -> None:
    """Write a static redirect for every ID ever published: /id/<ID>/.

    Static hosts match paths case-sensitively, so the lower-case spelling
    (/id/perf-eager-load/) gets its own redirect too; any other mix of cases
    is sent to the upper-case URL by the 404 page.
    """
    for principle_id, target in _registry().redirects().items():
        canonical = pages.absolute(_site_url(config), target)
        html = pages.redirect_html("../../" + target, canonical, principle_id)
        for spelling in dict.fromkeys((principle_id, principle_id.lower())):
            directory = Path(config.site_dir) / "id" / spelling
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "index.html").write_text(html, encoding="utf-8")
