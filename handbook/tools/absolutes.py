"""Print a ledger entry to fill in for each unrecorded absolute sentence.

``uv run python -m handbook.tools.absolutes docs/principles/<area>/<slug>.md``
(or a general page, ``docs/code-review.md``) after writing a page: each sentence with "never", "every", "only"... that
tests/principles/absolutes.yml does not record yet, as an entry whose
``tested:`` is to fill in (``handbook.checks.absolutes`` says what counts).
"""

import argparse
import sys
from pathlib import Path

from handbook.checks.absolutes import (
    LEDGER_FILE,
    ledger_pages,
    load_ledger,
    page_sentences,
    skeleton,
    unrecorded,
)


def main(argv: list[str]) -> int:
    """Print the unrecorded sentences of the pages given, as entries to fill in."""
    parser = argparse.ArgumentParser(
        prog="python -m handbook.tools.absolutes",
        description="Print a ledger entry to fill in for each absolute sentence "
        f"of PAGE that {LEDGER_FILE} does not record yet.",
    )
    parser.add_argument(
        "pages",
        nargs="*",
        metavar="PAGE",
        help="docs/principles/<area>/<slug>.md or a general page such as "
        "docs/code-review.md (default: every page)",
    )
    pages = parser.parse_args(argv).pages
    repo_root = Path.cwd()
    known = ledger_pages(repo_root)
    if unknown := [page for page in pages if page not in known]:
        parser.error(
            f"not a principle page nor a general page: {', '.join(unknown)} "
            "(give a path such as docs/principles/api/rest.md or docs/code-review.md, "
            "from the repository root)"
        )
    ledger = load_ledger(repo_root / LEDGER_FILE, repo_root)
    for page in pages or known:
        found = page_sentences(repo_root, page)
        missing = unrecorded(found, ledger, page)
        if missing:
            print(f"  {page}:")
            print(skeleton(missing))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
