"""One build of the site: the state the MkDocs hooks share, and their steps.

``Build.start`` runs in ``on_config``: it loads and checks the site
(:mod:`handbook.site.site_model`), generates the pages of the table
(:mod:`handbook.site.site_pages`) and checks every placeholder of every page
(:mod:`handbook.content.placeholders`), so that any content error stops the build
before a page renders. Each later hook is one method here.
"""

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import PluginCollection
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from handbook.content import evidence, placeholders
from handbook.content.markdown_document import MarkdownDocument, parse_document
from handbook.content.placeholders import Kind, PageAddress, Placeholder
from handbook.content.review_comments import absolute
from handbook.site import principle_page, short_link_redirects
from handbook.site.bench_citations import bench_kind
from handbook.site.build_cache import BuildCache, documents_code
from handbook.site.build_worker import Worker
from handbook.site.checkboxes import name_checkboxes
from handbook.site.code_spans import unwrap_plain_tokens
from handbook.site.css_comments import strip_site_stylesheet
from handbook.site.js_comments import strip_site_script
from handbook.site.listing_redirects import write_listing_redirects
from handbook.site.nav_memo import NavMemo
from handbook.site.print_page import all_principles_kind
from handbook.site.reading_list import neighbours
from handbook.site.site_model import Site, load_site
from handbook.site.site_pages import SitePage, navigation, search_meta, site_pages
from handbook.site.unbroken_ids import keep_ids_whole

DEFAULT_SITE_URL = "http://127.0.0.1:8000/"
# The search field a principle's rule is indexed in (mkdocs.yml gives its weight).
RULE_FIELD = "rule"


# A code block in a search entry's text, as Material's search plugin writes it.
CODE_BLOCK = re.compile(r"\s*<pre\b[^>]*>.*?</pre>\s*", re.DOTALL)
# An exception or warning class, as a traceback or a run's output names it.
ERROR_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:Error|Exception|Warning)\b")
# The search field the error names of an entry's code blocks are kept in
# (mkdocs.yml gives its weight): a field of its own, as no teaser shows it.
ERRORS_FIELD = "errors"


def leave_out_code_blocks(entry: dict[str, Any]) -> None:
    """Drop the entry's code blocks (``<pre>``) from its text; inline ``<code>``
    stays, and so do the error names the blocks show.

    Code blocks were 41 % of the index's text (379 of 926 KB on 2026-12-06)
    and the index is what a phone downloads, then builds, before its first
    result. A reader searches for an identifier the prose names, and prose
    names the identifiers it teaches in inline code; the search question
    tables (tests/browser/test_search*.py) pass without the blocks. An error
    message is what readers paste, though, and 44 exception names appeared
    in code blocks only (a test's output, a traceback): those are kept, once
    each, in a field of their own (under 1 KB of the index, gzip).
    """
    text = entry["text"]
    blocks = CODE_BLOCK.findall(text)
    if not blocks:
        return
    entry["text"] = CODE_BLOCK.sub(" ", text).strip()
    named = entry["text"].lower()
    names = dict.fromkeys(
        name
        for block in blocks
        for name in ERROR_NAME.findall(html.unescape(block))
        if name.lower() not in named
    )
    if names:
        entry[ERRORS_FIELD] = " ".join(names)


def site_relative(text: str, addresses: set[str]) -> str:
    """``text`` with the site's own absolute addresses cut to their path.

    Each principle shows its short link and review comment with the site's
    address in full, and search splits an address into words: the host's
    words ("handbook", "test" of https://handbook.test/, or a project
    site's "github") were words of every principle, so the address a site
    was built for changed what ranked first. The path ("/id/DB-SESSION/")
    stays searchable.
    """
    for address in sorted(addresses, key=len, reverse=True):
        text = text.replace(address.rstrip("/") + "/", "/")
    return text


@dataclass
class Build:
    """What one build knows, from ``on_config`` to ``on_post_build``."""

    site: Site
    rows: tuple[SitePage, ...]
    generated: dict[str, str]
    """Each generated file's content, by its path relative to docs/."""
    documents: dict[str, MarkdownDocument]
    """Every page's Markdown, hand-written and generated, by its path."""
    placeholders: dict[str, list[Placeholder]]
    kinds: dict[str, Kind]
    cache: BuildCache | None
    plugins: PluginCollection
    """The site's plugins: Material's search index is labelled through them."""
    rendered: dict[str, str] = field(default_factory=dict)
    """Each principle page's HTML, by its path, for the all-in-one page."""
    reading_links: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """Next and Previous of each page on the reading list, by path."""
    site_name: str = ""
    nav: Navigation | None = None
    templating: tuple[jinja2.Environment, Files] | None = None
    """The theme's environment and the site's files, once pages are converted."""
    dirty: bool = False
    """``--dirty``: MkDocs builds only the pages edited since the last build."""

    @classmethod
    def start(cls, config: MkDocsConfig, *, dirty: bool = False) -> "Build":
        """Load and check everything; raises LocatedError at the first problem."""
        site = load_site(
            Path(config.docs_dir),
            site_url=config.site_url or DEFAULT_SITE_URL,
            repo_url=config.repo_url,
            description=config.site_description or "",
            published_url=config.extra.get("published_url"),
        )
        rows = site_pages()
        generated = {row.uri: row.render(site) for row in rows if row.render}
        documents = dict(site.documents) | {
            uri: parse_document(Path(uri), text, front_matter=False)
            for uri, text in generated.items()
            if uri.endswith(".md")
        }
        rendered: dict[str, str] = {}
        kinds = {
            "bench": bench_kind(site.benchmarks),
            "all-principles": all_principles_kind(site.registry, rendered),
        }
        found = {uri: placeholders.find(doc) for uri, doc in documents.items()}
        for page_placeholders in found.values():
            placeholders.check(page_placeholders, kinds)
        cache = BuildCache.open(config)
        return cls(
            site,
            rows,
            generated,
            documents,
            found,
            kinds,
            cache,
            config.plugins,
            rendered,
            site_name=config.site_name,
            dirty=dirty,
        )

    def navigation(self) -> list[object]:
        return navigation(self.rows, self.site.registry)

    def add_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Add the generated files; pages already read are not read again."""
        for file in files.documentation_pages():
            if document := self.site.documents.get(file.src_uri):
                file.content_string = document.text
        for uri, content in self.generated.items():
            files.append(File.generated(config, uri, content=content))
        return files

    def link_reading_order(self, nav: Navigation) -> None:
        """Next and Previous follow Start here's list on its pages.

        MkDocs links each page to its sidebar neighbours, which list the
        principles by area; the reading list has day one's musts first. Each
        page the list decides a side of is linked to the page it names, and
        the pages' front matter records the links, so a page whose links
        change is rendered again (the build cache keys HTML by front matter).
        """
        self.nav = nav
        by_uri = {page.file.src_uri: page for page in nav.pages}
        for uri, (previous, following) in neighbours(self.site.reading_list).items():
            page = by_uri[uri]
            if previous is not None:
                page.previous_page = by_uri[previous]
            if following is not None:
                page.next_page = by_uri[following]
            self.reading_links[uri] = {"previous": previous, "next": following}

    def reuse_rendered(self) -> None:
        """Search entries from the cache, for pages whose HTML is unchanged."""
        if self.cache is not None:
            self.cache.memoise_search()

    def label_search_results(self) -> None:
        """A principle's search result is headed ``ID · short name``.

        Material titles a page's result with its h1, the full rule; like the
        sidebar, results are scanned, so the label heads them and the rule
        opens the teaser below it. The rule's words stay in the entry, in a
        field of their own weighed as a title (mkdocs.yml, ``rule``): in the
        text they weighed a thousandth of a title's words, and "transaction"
        ranked a section of the design document titled "Transaction
        Isolation Pattern" above the principle whose rule is "Tests run
        inside a rolled-back transaction".
        """
        search = self.plugins.get("material/search") or self.plugins.get("search")
        index = getattr(search, "search_index", None)
        if index is None:
            return
        original = index.add_entry_from_context
        own_addresses = {self.site.site_url, self.site.link_url}

        def add_entry_from_context(page: Page) -> None:
            first = len(index.entries)
            original(page)
            for entry in index.entries[first:]:
                leave_out_code_blocks(entry)
                entry["text"] = site_relative(entry["text"], own_addresses)
                if entry["location"] != page.url:
                    # Material copies a page's tags onto each of its
                    # sections' entries: eight copies of a principle's ID,
                    # tags and aliases, an eighth of the index a phone
                    # downloads. A tag search finds the page's own entry,
                    # and a result shows the page's tags above its sections.
                    entry.pop("tags", None)
            principle = self.site.principle_at(page.file.src_uri)
            if principle is None:
                return
            for entry in index.entries[first:]:
                if entry["location"] == page.url:
                    entry["title"] = principle.label
                    rule = html.escape(principle.title, quote=False)
                    entry["text"] = f"<p>{rule}</p>{entry['text']}"
                    entry[RULE_FIELD] = principle.title

        index.add_entry_from_context = add_entry_from_context

    def reuse_outputs(self, env: jinja2.Environment, files: Files) -> None:
        """Page HTML from the cache, for pages whose context is unchanged.

        Every page is converted by now: the converting worker has ended.
        """
        self.stop_worker()
        self.templating = (env, files)
        # For overrides/partials/nav-item.html: a fresh memo per build.
        env.globals["pbp_nav"] = NavMemo()
        if self.cache is not None:
            self.cache.memoise_templates(env)

    def theme_template_built(self, name: str, config: MkDocsConfig) -> None:
        """MkDocs builds the theme's 404 page before any page: the templates
        it compiled are there for a templating worker to inherit."""
        if name == "404.html" and self.templating is not None:
            self.build_beside(*self.templating, config)
            self.templating = None

    # A second process (handbook.site.build_worker) ------------------------
    def convert_beside(self, config: MkDocsConfig, files: Files) -> None:
        """Start a worker converting pages' Markdown into the cache, from the
        last page, as MkDocs converts them from the first."""
        pages = self.pages_for_worker(files)
        if self.cache is None or pages is None:
            return
        cache = self.cache
        # The pages mkdocstrings documents code on are all the worker's, done
        # first and in MkDocs' order: what each registers (objects' aliases,
        # for cross-references and objects.inv) depends on the ones converted
        # before it, which no cache key holds.
        autodoc = [
            uri
            for uri in pages
            if uri not in self.documents or documents_code(self.documents[uri].text)
        ]
        pages = [uri for uri in pages if uri not in autodoc]

        def convert(uri: str) -> bool:
            file = files.src_uris[uri]
            # A page not in the navigation has none yet: MkDocs makes it so.
            page = file.page or Page(None, file, config)
            before = cache.misses
            _populate_page(page, config, files)
            return cache.misses > before

        cache.worker = Worker.start(pages, convert, first=autodoc)

    def build_beside(
        self, env: jinja2.Environment, files: Files, config: MkDocsConfig
    ) -> None:
        """Start a worker indexing and templating pages into the cache, from
        the last, as MkDocs does them from the first.

        Called once the theme's 404 page is rendered: the worker inherits
        the templates that render compiled, rather than compiling them too.
        """
        pages = self.pages_for_worker(files)
        if self.cache is None or pages is None or self.nav is None:
            return
        if not self.cache.memoising_templates:
            return  # the worker's HTML could not be kept
        nav, doc_files = self.nav, files.documentation_pages()

        def build(uri: str) -> bool:
            page = files.src_uris[uri].page
            if page is None:
                raise RuntimeError(f"{uri}: templated before it was converted")
            _build_page(page, config, doc_files, nav, env)
            return False

        self.cache.worker = Worker.start(pages, build)

    def stop_worker(self, *, at_once: bool = False) -> None:
        if self.cache is not None and self.cache.worker is not None:
            self.cache.worker.stop(at_once=at_once)
            self.cache.worker = None

    def pages_for_worker(self, files: Files) -> list[str] | None:
        """The pages MkDocs builds, in its order; None if a worker would not
        help (a build of the same site filled the cache: most pages will be
        reused, or ``--dirty`` builds only the edited ones) or could not be
        trusted (``mkdocs serve`` would build draft pages besides these,
        which the worker would not know of)."""
        if self.cache is None or self.cache.built_before or self.dirty:
            return None
        built = [file.src_uri for file in files.documentation_pages()]
        served = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
        return built if built == [file.src_uri for file in served] else None

    def page_markdown(self, page: Page) -> str:
        """The page's Markdown; its rendering comes from the cache when it can."""
        if self.cache is not None:
            self.cache.memoise_render(page)
        return self._markdown(page)

    def _markdown(self, page: Page) -> str:
        """Placeholders expanded; a principle page assembled around its sections."""
        uri = page.file.src_uri
        document = self.documents[uri]
        page.meta["search"] = {
            **search_meta(self.rows, self.site.registry, uri),
            **(page.meta.get("search") or {}),
        }
        if links := self.reading_links.get(uri):
            page.meta["pbp_reading"] = links
        if page.meta["search"].get("exclude"):
            # Out of the site's search, out of search engines' too (the print page).
            page.meta["robots"] = "noindex"
        lines = placeholders.expand_markdown(
            document, self.placeholders[uri], self.kinds, _address(page)
        )
        principle = self.site.principle_at(uri)
        if principle is None:
            return "\n".join(lines[document.body_line - 1 :]) + "\n"
        # Per-page description (meta description, Open Graph) and search terms:
        # Material's search ranks a match in a page's tags above all else.
        page.meta["description"] = html.escape(principle.summary, quote=True)
        page.meta["tags"] = list(
            dict.fromkeys(
                [
                    principle.id,
                    id_word(principle.id),
                    *principle.tags,
                    *principle.aliases,
                ]
            )
        )
        page.meta["pbp_id"] = principle.id
        # The page title is the sidebar's "ID · short name"; previews show the rule.
        page.meta["pbp_title"] = principle.title
        stop, following = self.site.stop_at(uri) or (None, None)
        return principle_page.assemble_principle(
            self.site.registry,
            principle,
            lines,
            self.site.anchors[principle.id],
            self.site.link_url,
            evidence.verified_by(principle, self.site.repo_url),
            stop,
            following,
        )

    def page_content(self, content: str, page: Page) -> str:
        """Name task-list checkboxes, drop spans that style nothing; keep each
        principle's HTML for the print page."""
        content = unwrap_plain_tokens(name_checkboxes(content))
        content = keep_ids_whole(content, (e.id for e in self.site.registry.lock))
        if self.site.principle_at(page.file.src_uri) is not None:
            self.rendered[page.file.src_uri] = content
        return content

    def page_context(self, page: Page) -> None:
        """No edit link without a source file; HTML-stage placeholders expanded."""
        uri = page.file.src_uri
        if uri in self.generated:
            page.edit_url = None
        page.content = placeholders.expand_html(
            page.content or "", self.placeholders[uri], self.kinds, _address(page)
        )

    def finish(self, site_dir: Path) -> None:
        self.stop_worker()
        self._write_redirects(site_dir)
        write_listing_redirects(site_dir, self.site.site_url)
        strip_site_stylesheet(site_dir)
        strip_site_script(site_dir)
        if self.cache is not None:
            self.cache.finish()

    def _write_redirects(self, site_dir: Path) -> None:
        """A static redirect for every ID ever published: /id/<ID>/.

        Static hosts match paths case-sensitively, so the lower-case spelling
        (/id/perf-eager-load/) gets its own redirect too; any other mix of
        cases is sent to the upper-case URL by the 404 page.
        """
        for principle_id, target in self.site.registry.redirects().items():
            canonical = absolute(self.site.site_url, target)
            preview = short_link_redirects.link_preview(
                self.site.registry, principle_id, self.site_name
            )
            redirect = short_link_redirects.redirect_html(
                "../../" + target, canonical, principle_id, preview
            )
            for spelling in dict.fromkeys((principle_id, principle_id.lower())):
                directory = site_dir / "id" / spelling
                directory.mkdir(parents=True, exist_ok=True)
                (directory / "index.html").write_text(redirect, encoding="utf-8")


def _address(page: Page) -> PageAddress:
    return PageAddress(page.file.src_uri, page.url)


def id_word(principle_id: str) -> str:
    """The ID as one search word, ``dbmigrations`` for DB-MIGRATIONS.

    Search splits an ID at its hyphens, and the words of one ID ("db",
    "migrations") are often words of its neighbours too; the site's search
    (docs/assets/search-worker.js) also looks a query's words up joined, so
    the page whose ID the reader typed ranks first.
    """
    return principle_id.replace("-", "").lower()
