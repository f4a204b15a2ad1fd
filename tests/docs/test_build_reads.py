"""A build reads each page of docs/ and each data file it depends on once."""

import json
import os
import subprocess
import sys
from pathlib import Path

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT, markdown_pages

# Runs `mkdocs build` in a fresh interpreter that counts, with an audit
# hook, every time a file under docs/ is opened.
COUNTING_BUILD = """
import collections, json, os, sys
from mkdocs.__main__ import cli

docs, report, site = sys.argv[1:4]
opened = collections.Counter()

def count(event, args):
    if event == "open" and isinstance(args[0], (str, os.PathLike)):
        path = os.path.realpath(os.fspath(args[0]))
        if path.startswith(docs + os.sep):
            opened[os.path.relpath(path, docs)] += 1

sys.addaudithook(count)
try:
    cli(["build", "--strict", "--quiet", "--site-dir", site])
except SystemExit as exit:
    if exit.code:
        raise
with open(report, "w") as out:
    json.dump(opened, out)
"""


def test_a_build_reads_each_page_and_data_file_once(tmp_path: Path) -> None:
    report = tmp_path / "opened.json"
    subprocess.run(
        [
            sys.executable,
            "-c",
            COUNTING_BUILD,
            str(DOCS_DIR.resolve()),
            str(report),
            str(tmp_path / "site"),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
    )
    opened = json.loads(report.read_text())

    pages = {path.relative_to(DOCS_DIR).as_posix() for path in markdown_pages()}
    assert {name: opened.get(name, 0) for name in pages} == dict.fromkeys(pages, 1)
    data = {name: n for name, n in opened.items() if name.startswith("_data/")}
    assert data == dict.fromkeys(data, 1)
    assert set(data) >= {
        "_data/areas.yml",
        "_data/ids.lock.yml",
        "_data/source-document.md",
        "_data/verdicts.yml",
        "_data/benchmarks.json",
    }
