"""The site, read and checked once per build, before any page renders.

Every hand-written page of docs/ is read and parsed one time
(:class:`~handbook.content.markdown_document.MarkdownDocument`); the principle pages
among them make the registry, and each is held to the anatomy. The source
document, the verdicts on it and the benchmark results are loaded and
checked against the registry. A problem anywhere is a
:class:`~handbook.content.locations.LocatedError` naming its file and line, raised
here rather than when the page it concerns renders.
"""

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from benchmarks import results as bench_results
from handbook.content.anatomy import check_anatomy
from handbook.content.docs_tree import REPO_ROOT, markdown_pages
from handbook.content.markdown_document import MarkdownDocument, read_document
from handbook.content.registry import PRINCIPLES_DIR, Principle, Registry, registry_of
from handbook.content.source_document import SourceDocument
from handbook.content.verdicts import Verdicts, load_verdicts
from handbook.site import benchmarks_page
from handbook.site.lead_pair import lead_pair
from handbook.site.listing_pages import reading_minutes
from handbook.site.reading_list import Stop, reading_list

BENCHMARKS_FILE = Path("_data/benchmarks.json")


@dataclass(frozen=True)
class Site:
    """Everything the pages are built from, checked."""

    docs_dir: Path
    site_url: str
    repo_url: str | None
    description: str
    documents: dict[str, MarkdownDocument]
    """Every hand-written page, by its path relative to docs/ (``index.md``)."""
    registry: Registry
    source: SourceDocument
    verdicts: Verdicts
    benchmarks: bench_results.Results
    anchors: dict[str, str]
    """Each principle's ID -> the anchor of its main section on the Source page."""
    published_url: str | None = None
    """Where the handbook is published (mkdocs.yml ``extra.published_url``), if set."""

    @property
    def link_url(self) -> str:
        """The base of links a reader copies to share: the published address
        when one is configured, else this build's own ``site_url``."""
        return self.published_url or self.site_url

    @cached_property
    def principles_by_uri(self) -> dict[str, Principle]:
        return {p.path.as_posix(): p for p in self.registry.principles}

    def principle_at(self, uri: str) -> Principle | None:
        return self.principles_by_uri.get(uri)

    @cached_property
    def reading_minutes(self) -> dict[str, int]:
        """Each principle's ID -> minutes to read its body."""
        return {
            p.id: reading_minutes(p.document.body) for p in self.registry.principles
        }

    @cached_property
    def reading_list(self) -> list[Stop]:
        """Start here's list: every principle, day one's musts first."""
        return reading_list(self.registry, self.reading_minutes)

    def stop_at(self, uri: str) -> tuple[Stop, Stop | None] | None:
        """A principle page's place on the reading list, and the stop after it."""
        stops = self.reading_list
        at = next(
            (i for i, s in enumerate(stops) if s.principle.path.as_posix() == uri), None
        )
        if at is None:
            return None
        return stops[at], stops[at + 1] if at + 1 < len(stops) else None


def load_site(
    docs_dir: Path,
    *,
    site_url: str,
    repo_url: str | None,
    description: str,
    published_url: str | None = None,
) -> Site:
    """Read every page and data file once, and check all of it."""
    documents = {
        uri: read_document(path, front_matter=_is_principle(uri))
        for path in markdown_pages(docs_dir)
        if (uri := path.relative_to(docs_dir).as_posix())
    }
    registry = registry_of(
        docs_dir,
        # In the order of their paths, as load_registry reads them.
        [documents[uri] for uri in sorted(documents, key=Path) if _is_principle(uri)],
    )
    for principle in registry.principles:
        check_anatomy(principle.document, principle.level)
        lead_pair(principle.document)  # a bad lead: pointer stops the build here
    source = SourceDocument.load(docs_dir)
    benchmarks = bench_results.load(docs_dir / BENCHMARKS_FILE)
    benchmarks_page.check(benchmarks, registry)
    return Site(
        docs_dir=docs_dir,
        site_url=site_url,
        repo_url=repo_url,
        description=description,
        documents=documents,
        registry=registry,
        source=source,
        verdicts=load_verdicts(docs_dir, source, registry, REPO_ROOT),
        benchmarks=benchmarks,
        anchors={p.id: source.anchor_for(p) for p in registry.principles},
        published_url=published_url or None,
    )


def _is_principle(uri: str) -> bool:
    """Every page under principles/ is one, except an index page."""
    parts = uri.split("/")
    return parts[0] == PRINCIPLES_DIR and parts[-1] != "index.md"
