"""MkDocs hooks: build the site around the principle registry.

A flat pipeline, one step per MkDocs event, each a method of the build
(:class:`handbook.site.build.Build`) that ``on_config`` starts:

1. ``on_config``: read every page and data file once and check all of it
   (registry, anatomy, verdicts, benchmark results, placeholders), generate
   the pages of the table, set the navigation.
2. ``on_pre_build``: Material's search reuses the entries of unchanged pages,
   and names a principle by its ID and short name.
3. ``on_files``: add the generated pages and files.
4. ``on_nav``: Next and Previous follow Start here's reading list; a second
   process starts converting pages into the build cache from the last
   (:mod:`handbook.site.build_worker`).
5. ``on_page_markdown``: expand placeholders; assemble a principle page; its
   rendering comes from the build cache if its inputs are unchanged.
6. ``on_page_content``: name checkboxes; keep principles' HTML for /print/.
7. ``on_env``: the converting process has ended; a page's HTML comes from
   the build cache if its template context is unchanged. ``on_post_template``:
   once the theme's 404 page is built, a second process starts indexing and
   templating pages into the cache from the last.
8. ``on_page_context``: no edit link on generated pages; expand the
   placeholders that need other pages' HTML.
9. ``on_post_build``: a redirect for every ID ever published, /id/<ID>/;
   the build cache keeps what this build used. ``on_build_error`` ends the
   second process.

Any problem in the content stops the build in ``on_config`` with
``file:line: message``.
"""

from pathlib import Path

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from benchmarks.results import ResultsError
from handbook.content.locations import LocatedError
from handbook.site.build import Build

_build: Build | None = None
_dirty = False
"""``--dirty``: MkDocs builds only the pages edited since the last build."""


# The stylesheet mkdocstrings writes and adds to extra_css in its on_config.
MKDOCSTRINGS_CSS = "assets/_mkdocstrings.css"


def on_startup(command: str, dirty: bool) -> None:
    global _dirty
    del command
    _dirty = dirty


def _current() -> Build:
    if _build is None:
        raise PluginError("the handbook's on_config hook has not run")
    return _build


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _build
    try:
        _build = Build.start(config, dirty=_dirty)
    except (LocatedError, ResultsError) as error:
        raise PluginError(str(error)) from error
    config.nav = _build.navigation()
    # mkdocstrings links its stylesheet from every page (1.7 KB gzip that a
    # phone loads before it renders); overrides/main.html links it only from
    # the pages that hold mkdocstrings' output, the API reference.
    config.extra_css = [css for css in config.extra_css if css != MKDOCSTRINGS_CSS]
    return config


# Last: the worker's pages are converted after every plugin's on_nav.
@event_priority(-100)
def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    _current().link_reading_order(nav)
    _current().convert_beside(config, files)
    return nav


def on_pre_build(config: MkDocsConfig) -> None:
    del config
    _current().reuse_rendered()
    _current().label_search_results()


def on_files(files: Files, config: MkDocsConfig) -> Files:
    return _current().add_files(files, config)


# First, so that the page's Markdown is the model's, and other plugins see
# the page as assembled.
@event_priority(100)
def on_page_markdown(markdown: str, page: Page, **_: object) -> str:
    del markdown  # the same text, already read and parsed in on_config
    return _current().page_markdown(page)


def on_page_content(html: str, page: Page, **_: object) -> str:
    return _current().page_content(html, page)


# Last, after mkdocstrings' backlinks (-100): every page's HTML is final.
@event_priority(-200)
def on_env(
    env: jinja2.Environment, config: MkDocsConfig, files: Files
) -> jinja2.Environment:
    del config
    _current().reuse_outputs(env, files)
    return env


def on_post_template(
    output_content: str, template_name: str, config: MkDocsConfig
) -> str:
    _current().theme_template_built(template_name, config)
    return output_content


def on_page_context(
    context: dict[str, object], page: Page, **_: object
) -> dict[str, object]:
    _current().page_context(page)
    return context


def on_post_build(config: MkDocsConfig) -> None:
    _current().finish(Path(config.site_dir))


def on_build_error(error: Exception) -> None:
    del error
    if _build is not None:
        _build.stop_worker(at_once=True)
