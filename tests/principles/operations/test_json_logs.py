"""Evidence for OPS-JSON-LOGS: Logs are one JSON object per line.

Each test reproduces a claim docs/principles/operations/json-logs.md makes,
against the real tool, library or service.
"""

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from claims_support import prose

from handbook.docs_tree import DOCS_DIR, REPO_ROOT
from shop.core.logging import JsonFormatter

JSON_LOGS_PAGE = DOCS_DIR / "principles" / "operations" / "json-logs.md"
LOG_CONFIG = REPO_ROOT / "snippets" / "log_config.json"


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


@pytest.mark.parametrize(
    "extra", [[], ["--log-config", str(LOG_CONFIG)]], ids=["plain", "log-config"]
)
def test_uvicorns_own_lines_are_json_too(tmp_path: Path, extra: list[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://shop@127.0.0.1:1/shop",  # never connected
        "JWT_SECRET": secrets.token_urlsafe(48),
        "PYTHONUNBUFFERED": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "shop.core.main:app",
            "--port",
            str(port),
            *extra,
        ],
        cwd=tmp_path,  # no stray .env
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            lines.append(line)
            if "Application startup complete" in line or not line:
                break
    finally:
        server.terminate()
        rest, _ = server.communicate(timeout=30)
    lines = [line for line in [*lines, *rest.splitlines()] if line.strip()]

    records = [json.loads(line) for line in lines]
    messages = [record["message"] for record in records]
    assert messages[0].startswith("Started server process")
    assert "Application startup complete." in messages
    assert {record["logger"] for record in records} <= {"uvicorn.error", "shop"}
    assert 'parses every line it prints, from "Started server process" on' in prose(
        JSON_LOGS_PAGE
    )
