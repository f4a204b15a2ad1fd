"""A content-addressed cache of rendered pages, their search entries and HTML.

Turning a page's Markdown into HTML (Pygments, pymdownx, mkdocstrings),
Material's search parsing that HTML and the theme's template wrapping it
in the navigation are most of a build's time. Each is a function of its
inputs, so the build keeps their results on disk, keyed by hashes of
everything they read, and reuses them when nothing changed: a one-page edit
renders that page again, and the pages that show what changed.

A rendered page (Markdown to HTML) is keyed by

* the page's final Markdown, after the hooks: it already holds what the
  registry, the verdicts and the benchmark results put on the page;
* its path and URL, and every file of the site with its URL, which links
  are resolved against;
* the site's fingerprint (:mod:`handbook.site.build_fingerprint`): this cache's
  format, Python, every installed distribution (name and version), the
  working directory (snippets are included from it), mkdocs.yml and the
  settings environment variables or the command line change, the theme
  overrides, the source of the build's own code as it was loaded, and the
  level MkDocs logs at (``-q`` logs no warnings for an entry to keep);

and holds the hash of each file the render read: every file
pymdownx.snippets included (the text it read, nested includes too) and,
for a page with a mkdocstrings ``:::`` block, every Python file under the
handler's paths. An entry is used only while all of those hashes match;
validity never depends on modification times.

What rendering does besides producing HTML is kept and replayed: the
page's title, table of contents and anchors (MkDocs checks links against
them), the anchors mkdocs-autorefs and mkdocstrings register, and what it
logged. What mkdocstrings registers for a ``:::`` page depends on the
``:::`` pages rendered before it in the process, so before rendering one,
the build renders again those it restored from the cache. A search entry
is keyed by the page's HTML, title, URL, table of contents and search
settings, and the site's fingerprint. A page's final HTML (its
template's output) is keyed by the site's fingerprint, every file of the
site, the navigation (each title and URL, and each page's front
matter), and the page's URL, title, edit and canonical URLs, front matter,
table of contents and HTML (the 404 page's, by the navigation and the
files); a template context a plugin extended is never cached, nor any
page HTML if a template of the theme reads the build date.

A clean build fills the cache from two processes: a forked worker
(:mod:`handbook.site.build_worker`) renders pages from the last while the
build renders them from the first, and the build takes the worker's pages
from the cache, as it would a previous build's.

The cache lives in ``.tmp/build-cache/`` beside mkdocs.yml (git-ignored);
``HANDBOOK_BUILD_CACHE`` names another directory, or ``off``. Entries no
build used for a week are deleted (the one use of a modification time).
"""

import contextlib
import functools
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure import StructureItem
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, get_toc
from pymdownx.snippets import SnippetPreprocessor

from handbook.site.build_fingerprint import (
    Json,
    hash_of,
    key_of,
    loaded_code,
    site_fingerprint,
)
from handbook.site.build_worker import Worker

ENVIRONMENT_VARIABLE = "HANDBOOK_BUILD_CACHE"
UNUSED_DAYS = 7
"""Entries that no build has used for this long are deleted."""
# mkdocstrings' own pattern for an autodoc block (``::: package.module``),
# at any depth: it is a block processor, so it also runs on the content of
# an admonition, a content tab, a list item or a block quote, which Markdown
# hands it with the indentation or ``>`` removed. Matching a ``:::`` line
# that is not an autodoc block (in a code block) only costs that page its
# cached render when a Python file changes.
_AUTODOC = re.compile(r"^[ \t>]*(?:#{1,6} *)?::: ?\S", re.MULTILINE)


# What rendering sets on a page besides its effects elsewhere (_restore sets
# the same from a cache entry).
_RENDER_OUTPUTS = (
    "content",
    "toc",
    "_title_from_render",
    "present_anchor_ids",
    "links_to_anchors",
)


def documents_code(markdown: str) -> bool:
    """True if the page has a mkdocstrings ``:::`` block."""
    return _AUTODOC.search(markdown) is not None


log = logging.getLogger(f"mkdocs.plugins.{__name__}")

# --- What pymdownx.snippets reads -------------------------------------------
# Every file a page includes goes through SnippetPreprocessor.read_lines,
# nested includes too. While a page renders, each file read is recorded with
# the hash of the text as read.
_snippet_reads: list[dict[str, str]] = []


def _record_snippet_reads() -> None:
    """Wrap ``read_lines`` once per process (the hooks module is re-run on
    every ``mkdocs serve`` rebuild, this module is not)."""
    original: Callable[[Any, str], list[str]] = SnippetPreprocessor.read_lines
    if getattr(original, "recorded", False):
        return

    @functools.wraps(original)
    def read_lines(self: Any, path: str) -> list[str]:
        lines = original(self, path)
        for reads in _snippet_reads:
            reads[os.path.abspath(path)] = hash_of("\n".join(lines))
        return lines

    read_lines.recorded = True  # type: ignore[attr-defined]  # the marker that it is wrapped
    SnippetPreprocessor.read_lines = read_lines


_record_snippet_reads()


# --- Entries ------------------------------------------------------------------
def _toc(items: list[AnchorLink]) -> list[Json]:
    """A table of contents as the tokens MkDocs builds one from."""
    return [
        {
            "level": item.level,
            "id": item.id,
            "name": item.title,
            "children": _toc(item.children),
        }
        for item in items
    ]


@dataclass
class _Recording:
    """What one render did besides returning HTML."""

    page: Page
    reads: dict[str, str] = field(default_factory=dict)
    effects: list[Json] = field(default_factory=list)
    messages: list[Json] = field(default_factory=list)
    cacheable: bool = True


class _MessageRecorder(logging.Handler):
    def __init__(self, recording: _Recording) -> None:
        super().__init__(logging.INFO)
        self.recording = recording

    def emit(self, record: logging.LogRecord) -> None:
        self.recording.messages.append(
            [record.name, record.levelno, record.getMessage()]
        )


class BuildCache:
    """The cache, as one build uses it."""

    def __init__(self, directory: Path, fingerprint: str, config: MkDocsConfig) -> None:
        self.directory = directory
        self.fingerprint = fingerprint
        self.autodoc_paths = _autodoc_paths(config)
        self.plugins = config.plugins
        self.hits = self.misses = 0
        self.worker: Worker | None = None
        """The worker filling this cache beside the build, during its passes."""
        self.rendered_by_worker = 0
        self.memoising_templates = False
        self.built_before = self._finished_build().is_file()
        """True if a build of this site's fingerprint has finished with this
        cache: most pages will be reused, and a worker would not help."""
        self.used: set[Path] = set()
        self.written: dict[Path, dict[str, str]] = {}
        self._hashes: dict[str, str] = {}
        self._folders: set[Path] = set()
        self._modules: dict[str, str] | None = None
        self._reference_pages_restored: list[Page] = []
        """The ``:::`` pages restored from the cache since one was rendered."""
        self._files_key: tuple[int, str] | None = None
        self._nav_key: tuple[int, str] | None = None
        self.theme_dirs = [Path(directory) for directory in config.theme.dirs]

    @classmethod
    def open(cls, config: MkDocsConfig) -> "BuildCache | None":
        """The cache for this build, or None when it is off or cannot be trusted."""
        setting = os.environ.get(ENVIRONMENT_VARIABLE, "")
        if setting.lower() in ("off", "0", "false", "no"):
            return None
        repo_root = Path(config.config_file_path).resolve().parent
        code = loaded_code(repo_root)
        if code is None:
            log.info(
                "The build's own code changed since this process started: restart "
                "`mkdocs serve` to build with it. The build cache is off until then."
            )
            return None
        directory = Path(setting) if setting else repo_root / ".tmp" / "build-cache"
        return cls(directory, site_fingerprint(config, code), config)

    # Rendering ---------------------------------------------------------------
    def memoise_render(self, page: Page) -> None:
        """Make ``page.render`` reuse a cached result when its inputs match."""
        # MkDocs has no event between a page's Markdown and its rendering that
        # could skip the rendering: the page gets its own render method.
        page.render = functools.partial(self._render, page)  # type: ignore[method-assign]  # see above

    def _render(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        if page.markdown is None:
            raise RuntimeError(f"{page.file.src_uri}: rendered before it was read")
        # The worker may have converted this page (it waits until it has).
        uri, worker = page.file.src_uri, self.worker
        by_worker = worker is not None and worker.take(uri)
        key = key_of(
            self.fingerprint,
            self._files(files),
            page.file.src_uri,
            page.file.dest_uri,
            page.url,
            page.markdown,
        )
        path = self.directory / "pages" / f"{key}.json"
        entry = self._read(path)
        documents = documents_code(page.markdown)
        if entry is not None and self._unchanged(entry["reads"]):
            self._restore(page, files, entry)
            if documents:
                self._reference_pages_restored.append(page)
            if by_worker and worker is not None and worker.rendered(uri):
                self.rendered_by_worker += 1
            else:
                self.hits += 1
            return
        self.misses += 1
        reads: dict[str, str] = {}
        if documents:
            self._render_restored_reference_pages(config, files)
            reads = self._autodoc_reads()
        with self._recording(page) as recording:
            Page.render(page, config, files)
        if recording.cacheable:
            self._write(path, self._entry(page, recording, reads | recording.reads))

    def _render_restored_reference_pages(
        self, config: MkDocsConfig, files: Files
    ) -> None:
        """Render again, for mkdocstrings' sake only, the ``:::`` pages this
        process restored from the cache before the one it must render now.

        What mkdocstrings records for a page depends on the pages rendered
        before it in the same process: rendering a module resolves its
        imports, and each resolved import becomes an alias of the imported
        object, registered (in ``objects.inv`` too) when the object's own page
        renders. A page restored from the cache resolves nothing, so the
        first reference page rendered after it would miss aliases a clean
        build registers (294 entries in ``objects.inv`` against 305), and its
        cache entry would keep the loss for every later build.

        Each page keeps what it was restored with: its HTML already went
        through the ``on_page_content`` hooks, and what it logged was logged.
        mkdocstrings registers each heading's anchor on the page mkdocs-autorefs
        holds as current: each page is current while it renders.
        """
        restored, self._reference_pages_restored = self._reference_pages_restored, []
        mkdocs_log = logging.getLogger("mkdocs")
        level = mkdocs_log.level
        autorefs, _ = self._registries()
        current = autorefs.current_page if autorefs is not None else None
        mkdocs_log.setLevel(logging.CRITICAL + 1)  # logged when they were restored
        try:
            for page in restored:
                kept = {name: getattr(page, name) for name in _RENDER_OUTPUTS}
                if autorefs is not None:
                    autorefs.current_page = page
                Page.render(page, config, files)
                for name, value in kept.items():
                    setattr(page, name, value)
        finally:
            mkdocs_log.setLevel(level)
            if autorefs is not None:
                autorefs.current_page = current

    def _files(self, files: Files) -> str:
        """Every file of the site with its URL, hashed once per build."""
        if self._files_key is None or self._files_key[0] != id(files):
            listing = sorted((f.src_uri, f.dest_uri, f.url) for f in files)
            self._files_key = (id(files), key_of(listing))
        return self._files_key[1]

    def _autodoc_reads(self) -> dict[str, str]:
        """A page with a ``:::`` block reads every module under the handler paths."""
        if self._modules is None:
            self._modules = {
                str(path): self._hash(str(path))
                for root in self.autodoc_paths
                for path in sorted(root.rglob("*.py"))
            }
        return self._modules

    def _hash(self, path: str) -> str:
        """The hash of a file's text as pymdownx.snippets reads it, or "" if gone;
        each file is read once per build."""
        if path not in self._hashes:
            try:
                self._hashes[path] = hash_of(Path(path).read_text(encoding="utf-8"))
            except OSError:
                self._hashes[path] = ""
        return self._hashes[path]

    def _unchanged(self, reads: dict[str, str]) -> bool:
        return all(self._hash(path) == digest for path, digest in reads.items())

    @contextlib.contextmanager
    def _recording(self, page: Page) -> Iterator[_Recording]:
        """Record the files, anchors, inventory items and messages of a render."""
        recording = _Recording(page)
        handler = _MessageRecorder(recording)
        _snippet_reads.append(recording.reads)
        logging.getLogger("mkdocs").addHandler(handler)
        autorefs, inventory = self._registries()
        if autorefs is not None:
            autorefs.register_anchor = _recorded(
                autorefs.register_anchor, "anchor", recording
            )
        if inventory is not None:
            inventory.register = _recorded(inventory.register, "inventory", recording)
        try:
            yield recording
        finally:
            _snippet_reads.remove(recording.reads)
            logging.getLogger("mkdocs").removeHandler(handler)
            if autorefs is not None:
                del autorefs.register_anchor
            if inventory is not None:
                del inventory.register

    def _registries(self) -> tuple[Any, Any]:
        """mkdocs-autorefs' plugin and mkdocstrings' inventory, where in use."""
        autorefs = self.plugins.get("autorefs")
        mkdocstrings: Any = self.plugins.get("mkdocstrings")
        inventory = mkdocstrings.handlers.inventory if mkdocstrings else None
        return autorefs, inventory

    def _entry(
        self, page: Page, recording: _Recording, reads: dict[str, str]
    ) -> dict[str, Json]:
        links = page.links_to_anchors
        return {
            "reads": reads,
            "content": page.content,
            "title": page._title_from_render,
            "toc": _toc(page.toc.items),
            "anchors": sorted(page.present_anchor_ids or ()),
            "links": None
            if links is None
            else {file.src_uri: anchors for file, anchors in links.items()},
            "effects": recording.effects,
            "messages": recording.messages,
        }

    def _restore(self, page: Page, files: Files, entry: dict[str, Json]) -> None:
        page.content = entry["content"]
        page.toc = get_toc(entry["toc"])
        page._title_from_render = entry["title"]
        page.present_anchor_ids = set(entry["anchors"])
        if entry["links"] is not None:
            # The key holds every file of the site: each one linked to is there.
            page.links_to_anchors = {
                files.src_uris[uri]: anchors for uri, anchors in entry["links"].items()
            }
        autorefs, inventory = self._registries()
        for kind, args, kwargs in entry["effects"]:
            if kind == "anchor":
                autorefs.register_anchor(page, *args, **kwargs)
            else:
                inventory.register(*args, **kwargs)
        for name, level, message in entry["messages"]:
            logging.getLogger(name).log(level, message)

    # Search ----------------------------------------------------------------
    def memoise_search(self) -> None:
        """Make Material's search index reuse the entries of unchanged pages."""
        search = self.plugins.get("material/search") or self.plugins.get("search")
        index = getattr(search, "search_index", None)
        if index is None:
            return
        original = index.add_entry_from_context

        def add_entry_from_context(page: Page) -> None:
            if self.worker is not None:
                self.worker.take(page.file.src_uri)
            key = key_of(
                self.fingerprint,
                page.url,
                page.title,
                {name: page.meta.get(name) for name in ("search", "tags", "title")},
                _toc(page.toc.items),
                page.content,
            )
            path = self.directory / "search" / f"{key}.json"
            entries = self._read(path)
            if entries is None:
                first = len(index.entries)
                original(page)
                self._write(path, index.entries[first:])
            else:
                index.entries.extend(entries)

        index.add_entry_from_context = add_entry_from_context

    # Templates -------------------------------------------------------------
    def memoise_templates(self, env: jinja2.Environment) -> None:
        """Make each page's template reuse its output when its context is unchanged.

        Not if any template of the theme could show the build's date or time,
        which changes on every build.
        """
        # Compiling the theme's 45 templates from source took about 0.4 s of
        # every build and every `mkdocs serve` rebuild. Jinja keys each
        # compiled template by its source's checksum, so an edited template
        # is compiled afresh; it writes each file whole (temp file, replace).
        compiled = self.directory / "jinja"
        compiled.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(compiled))
        if self.fingerprint not in _THEME_SHOWS_BUILD_DATE:
            # The fingerprint holds the overrides and Material's version.
            _THEME_SHOWS_BUILD_DATE[self.fingerprint] = _shows_build_date(
                self.theme_dirs
            )
        if _THEME_SHOWS_BUILD_DATE[self.fingerprint]:
            return
        original = env.get_template

        def get_template(
            name: str | jinja2.Template,
            parent: str | None = None,
            globals: MutableMapping[str, Any] | None = None,
        ) -> jinja2.Template:
            template = original(name, parent, globals)
            if parent:
                # A template asking for one it extends, imports or includes.
                return template
            # MkDocs asking for a page's template: it only calls render().
            return cast("jinja2.Template", _MemoisedTemplate(template, self))

        # MkDocs renders each page with env.get_template(name).render(context)
        # and has no event in between: the environment gets its own method.
        env.get_template = get_template  # type: ignore[method-assign]  # see above
        self.memoising_templates = True

    def output_entry(
        self, template: jinja2.Template, context: dict[str, Any]
    ) -> Path | None:
        """Where a template's HTML is kept, or None for one this cache does not
        keep: a non-HTML theme template (sitemap.xml shows the build date), or
        a context a plugin extended."""
        if set(context) - _CONTEXT or self._files_key is None:
            return None
        page = context.get("page")
        site = (
            self.fingerprint,
            template.name,
            self._navigation(context["nav"]),
            self._files_key[1],
        )
        if page is None and str(template.name).endswith(".html"):
            key = key_of(*site, context["base_url"])  # 404.html
        elif isinstance(page, Page):
            key = key_of(
                *site,
                page.url,
                page.title,
                page.canonical_url,
                page.edit_url,
                page.meta,
                _toc(page.toc.items),
                page.content,
            )
        else:
            return None
        return self.directory / "html" / f"{key}.json"

    def output(self, path: Path) -> str | None:
        entry = self._read(path)
        return None if entry is None else str(entry["html"])

    def keep_output(self, path: Path, html: str) -> None:
        self._write(path, {"html": html})

    def _navigation(self, nav: Navigation) -> str:
        """The navigation every page shows: titles, URLs, pages' front matter."""
        if self._nav_key is None or self._nav_key[0] != id(nav):
            self._nav_key = (id(nav), key_of([_nav_item(item) for item in nav.items]))
        return self._nav_key[1]

    # Storage ---------------------------------------------------------------
    def _finished_build(self) -> Path:
        """The mark a finished build of this fingerprint leaves."""
        return self.directory / "builds" / self.fingerprint

    def _read(self, path: Path) -> Any:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        self.used.add(path)
        return entry

    def _write(self, path: Path, entry: Json) -> None:
        """Write atomically: a build running beside this one reads all or nothing."""
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        # One scratch name per process: no two writers share it.
        scratch = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        # dumps(), not dump(): only dumps() uses the C encoder.
        scratch.write_text(json.dumps(entry, separators=(",", ":")), encoding="utf-8")
        os.replace(scratch, path)
        self.used.add(path)
        if isinstance(entry, dict) and "reads" in entry:
            self.written[path] = entry["reads"]

    def finish(self) -> None:
        """Drop entries whose files changed during the build, mark what this
        build used, delete what no build used for a week.

        An included snippet is hashed as pymdownx read it, so its entry is
        right whenever it is written; the modules a ``:::`` block documents
        are read by griffe, and hashed before the page renders: one edited
        while the build ran makes that entry doubtful, so it goes.
        """
        self._hashes.clear()
        for path, reads in self.written.items():
            if not self._unchanged(reads):
                path.unlink(missing_ok=True)
        finished = self._finished_build()
        finished.parent.mkdir(parents=True, exist_ok=True)
        finished.touch()
        self.used.add(finished)
        now = time.time()
        for path in self.used:
            with contextlib.suppress(OSError):
                os.utime(path, (now, now))
        # Entries, and the scratch files of a build that was killed mid-write.
        for path in self.directory.glob("*/*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > UNUSED_DAYS * 86400:
                    path.unlink()
        log.info(
            "Build cache: %d pages reused, %d rendered (%d by a second process) (%s)",
            self.hits,
            self.misses + self.rendered_by_worker,
            self.rendered_by_worker,
            self.directory,
        )


def _recorded(
    method: Callable[..., None], kind: str, recording: _Recording
) -> Callable[..., None]:
    """``method``, recording each call made for the page being rendered."""

    def record(*args: Any, **kwargs: Any) -> None:
        method(*args, **kwargs)
        if kind == "anchor":
            if args[0] is not recording.page:
                recording.cacheable = False  # an anchor on another page
            args = args[1:]  # the page, which a replay passes itself
        recording.effects.append([kind, list(args), kwargs])

    return record


# What MkDocs puts in a page's template context (mkdocs.commands.build.get_context).
_CONTEXT = {
    "nav",
    "pages",
    "base_url",
    "extra_css",
    "extra_javascript",
    "mkdocs_version",
    "build_date_utc",
    "config",
    "page",
}


class _MemoisedTemplate:
    """A page template whose output comes from the cache when it can."""

    def __init__(self, template: jinja2.Template, cache: BuildCache) -> None:
        self.template = template
        self.cache = cache

    def render(self, context: dict[str, Any]) -> str:
        page = context.get("page")
        if self.cache.worker is not None and isinstance(page, Page):
            self.cache.worker.take(page.file.src_uri)
        path = self.cache.output_entry(self.template, context)
        if path is None:
            return self.template.render(context)
        html = self.cache.output(path)
        if html is None:
            html = self.template.render(context)
            self.cache.keep_output(path, html)
        return html


_THEME_SHOWS_BUILD_DATE: dict[str, bool] = {}
"""Per fingerprint, for the rebuilds of one `mkdocs serve`."""


def _shows_build_date(theme_dirs: list[Path]) -> bool:
    """True if an HTML template of the theme reads the build's date (MkDocs'
    ``build_date_utc``); the icons are SVG, not templates."""
    return any(
        "build_date_utc" in path.read_text(errors="replace")
        for directory in theme_dirs
        for path in directory.rglob("*.html")
        if ".icons" not in path.parts
    )


def _nav_item(item: StructureItem) -> Json:
    if isinstance(item, Section):
        return ["section", item.title, [_nav_item(child) for child in item.children]]
    if isinstance(item, Page):
        return ["page", item.title, item.url, item.file.src_uri, item.meta]
    if isinstance(item, Link):
        return ["link", item.title, item.url]
    raise TypeError(f"unexpected navigation item {item!r}")


def _autodoc_paths(config: MkDocsConfig) -> list[Path]:
    """The directories mkdocstrings' Python handler loads modules from."""
    mkdocstrings: Any = config.plugins.get("mkdocstrings")
    if mkdocstrings is None:
        return []
    handlers = mkdocstrings.config.get("handlers") or {}
    paths = (handlers.get("python") or {}).get("paths") or ["."]
    base = Path(config.config_file_path).resolve().parent
    return [base / path for path in paths]
