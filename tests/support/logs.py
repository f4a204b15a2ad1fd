"""The service's log output, read back as the records it wrote."""

import json
from typing import Any


def json_log_lines(output: str) -> list[dict[str, Any]]:
    """Each line of ``output`` as the JSON object it must be: a line that is
    not JSON (a plain-text traceback, a blank line) fails the test here."""
    return [json.loads(line) for line in output.splitlines()]
