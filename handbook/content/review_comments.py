"""What a reviewer pastes to cite a principle: the review comment and its one-line form.

Both are part of a principle's identity, generated from its front matter: the
site shows them on every page (:mod:`handbook.site.principle_page`) and ``principles check``
ships them in its catalogue (:mod:`handbook.checker.catalogue`), so they are
worded here, once, below both.
"""

from handbook.content.registry import Principle

# Severity prefixes reviewers already use (Google's eng-practices style).
REVIEW_PREFIX = {"must": "Blocking", "should": "Should fix", "consider": "Optional"}


def absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + "/" + path


def review_comment(principle: Principle, site_url: str) -> str:
    return (
        f"{REVIEW_PREFIX[principle.level]} ({principle.id}): {principle.title}. "
        f"{principle.summary} {absolute(site_url, principle.short_url)}"
    )


def review_line(principle: Principle, site_url: str) -> str:
    """The one-line review comment: prefix, ID, short name and short link.

    The form is the one docs/code-review.md gives ("The one-line form").
    """
    return (
        f"{REVIEW_PREFIX[principle.level]} ({principle.id}, {principle.short_name}): "
        f"{absolute(site_url, principle.short_url)}"
    )
