"""A conftest.py that skips instead of failing: the page's bad example.

Never used as a conftest in this repository; the evidence test copies it
into a scratch project to show what pytest reports.
"""

import os

import pytest


# --8<-- [start:skip-without-database]
@pytest.fixture
def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url is None:
        pytest.skip("no database")  # CI without a database: green, and nothing ran
    return url
    # --8<-- [end:skip-without-database]
