"""Specification of the throwaway servers when they cannot start."""

import time
from pathlib import Path

import pytest

from throwaway import redis as redis_provider


@pytest.fixture
def hung_redis_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``redis-server`` first on PATH that runs, says why on stderr, and
    never answers."""
    binary = tmp_path / "redis-server"
    binary.write_text("#!/bin/sh\necho 'Warning: no config file' >&2\nexec sleep 60\n")
    binary.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{Path('/usr/bin')}:{Path('/bin')}")
    return binary


@pytest.mark.usefixtures("hung_redis_server")
def test_a_redis_server_that_never_answers_fails_the_start_with_its_stderr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redis_provider, "START_TIMEOUT_SECONDS", 0.5)

    started = time.monotonic()
    with (
        pytest.raises(redis_provider.NoRedisError) as failed,
        redis_provider.redis_server(),
    ):
        pass
    # The hung process is killed, not waited for until it exits (60 s).
    assert time.monotonic() - started < 30
    assert "did not answer PING within 0.5 s" in str(failed.value)
    assert "Warning: no config file" in str(failed.value)
