"""Claims of the performance and operations pages, checked against the real code.

Each test reproduces a fact a page states in prose and checks the page still
states it in those words.
"""

import inspect
import json
import logging
import re
import sys

import asyncpg
from claims_support import prose

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.config import Settings
from shop.core.logging import JsonFormatter

HEALTH_PAGE = DOCS_DIR / "principles" / "operations" / "health-check.md"
EAGER_PAGE = DOCS_DIR / "principles" / "performance" / "eager-loading.md"
MIGRATIONS_DIR = REPO_ROOT / "snippets" / "migrations"


def test_connect_timeouts_are_what_the_health_page_says() -> None:
    timeout = inspect.signature(asyncpg.connect).parameters["timeout"].default
    ours = Settings.model_fields["database_connect_timeout_seconds"].default

    assert timeout == 60
    assert ours == 5
    page_text = prose(HEALTH_PAGE)
    assert "`connect()` has a default timeout of 60 seconds" in page_text
    assert "asyncpg's default of 60 seconds" in page_text
    assert "`database_connect_timeout_seconds` (default 5)" in page_text


def _foreign_keys_and_indexes(
    sql: str,
) -> tuple[set[tuple[str, str]], dict[str, tuple[str, list[str]]]]:
    """(table, column) of every foreign key; index name -> (table, columns)."""
    foreign_keys = set()
    for table, body in re.findall(r'CREATE TABLE "(\w+)" \((.*?)\n\);', sql, re.S):
        for column in re.findall(r'FOREIGN KEY \("(\w+)"\)', body):
            foreign_keys.add((table, column))
    indexes = {
        name: (table, re.findall(r'"(\w+)"', columns))
        for name, table, columns in re.findall(
            r'CREATE INDEX "(\w+)" ON "(\w+)" \(([^)]*)\)', sql
        )
    }
    return foreign_keys, indexes


def test_every_foreign_key_column_leads_an_index_as_the_eager_loading_page_says() -> (
    None
):
    sql = "\n".join(path.read_text() for path in sorted(MIGRATIONS_DIR.glob("*.sql")))
    foreign_keys, indexes = _foreign_keys_and_indexes(sql)

    assert foreign_keys == {("orders", "user_id"), ("order_items", "order_id")}
    leading = {(table, columns[0]) for table, columns in indexes.values()}
    assert foreign_keys <= leading
    assert indexes["ix_order_items_order_id"] == ("order_items", ["order_id"])
    assert indexes["ix_orders_user_id_id"] == ("orders", ["user_id", "id"])
    page_text = prose(EAGER_PAGE)
    assert "`ix_order_items_order_id` on `order_items (order_id)`" in page_text
    assert "`ix_orders_user_id_id` on `orders (user_id, id)`" in page_text
    assert "Every foreign key column leads an index." in page_text


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
