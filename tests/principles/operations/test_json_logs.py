"""Evidence for OPS-JSON-LOGS: Logs are one JSON object per line.

Each test reproduces a claim docs/principles/operations/json-logs.md makes,
against the real tool, library or service.
"""

import json
import logging
import sys

from claims_support import prose

from handbook.docs_tree import DOCS_DIR
from shop.core.logging import JsonFormatter

JSON_LOGS_PAGE = DOCS_DIR / "principles" / "operations" / "json-logs.md"


def _error_record() -> logging.LogRecord:
    try:
        int("twelve")
    except ValueError:
        exc_info = sys.exc_info()
    return logging.LogRecord(
        "shop.orders", logging.ERROR, __file__, 1, "Rejected quantity", (), exc_info
    )


def test_a_traceback_spans_lines_in_plain_text_and_not_in_json_as_the_page_says() -> (
    None
):
    # Outside pytest-examples on purpose: its print mock swallows the
    # print(file=...) calls that logging uses to write a traceback.
    plain = logging.Formatter("%(levelname)s %(message)s").format(_error_record())
    json_line = JsonFormatter().format(_error_record())

    assert plain.splitlines()[:2] == [
        "ERROR Rejected quantity",
        "Traceback (most recent call last):",
    ]
    assert len(plain.splitlines()) > 2
    assert len(json_line.splitlines()) == 1
    assert "Traceback (most recent call last):" in json.loads(json_line)["exception"]
    page_text = prose(JSON_LOGS_PAGE)
    assert "`logging.Formatter` writes it below the message, over several lines" in (
        page_text
    )
    assert "`JsonFormatter` keeps it in the `exception` field" in page_text
