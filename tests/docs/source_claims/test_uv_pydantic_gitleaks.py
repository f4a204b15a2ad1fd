"""What the source says of uv, Pydantic and gitleaks rules, run with the real tools."""

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from handbook.content.fences import find_fences
from tests.support.pages import prose
from tests.support.source_runs import (
    SOURCE,
    locked_empty_project,
    run_command,
    source_example,
    source_settings_module,
    source_text,
    uv_offline,
)


def test_tool_settings_edited_by_hand_leave_the_lock_valid(tmp_path: Path) -> None:
    pyproject = locked_empty_project(tmp_path)

    # The source's own instruction: add a ruff configuration to pyproject.toml.
    pyproject.write_text(
        pyproject.read_text() + "\n" + source_text("pre-commit-configuration--toml")
    )
    result = uv_offline(pyproject.parent, "lock", "--check")

    assert result.returncode == 0, result.stderr


def test_the_private_key_rule_misses_the_key_openssl_writes(tmp_path: Path) -> None:
    rule = re.search(
        r"description = \"Private key\"\nregex = '''(.+)'''",
        source_text("gitleaks-configuration--toml"),
    )
    assert rule
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to generate a private key"
    key = run_command([openssl, "genpkey", "-algorithm", "ED25519"], tmp_path).stdout

    assert key.splitlines()[0] == "-----BEGIN PRIVATE KEY-----"
    assert re.search(rule[1], key) is None
    assert re.search(rule[1], "-----BEGIN RSA PRIVATE KEY-----")


def test_postgres_dsn_accepts_postgres_and_rejects_a_url_without_scheme() -> None:
    from pydantic import PostgresDsn, TypeAdapter, ValidationError

    dsn = TypeAdapter(PostgresDsn)

    assert str(dsn.validate_python("postgres://shop@db.internal:5432/shop")) == (
        "postgres://shop@db.internal:5432/shop"
    )
    with pytest.raises(ValidationError, match=r"URL scheme should be 'postgres'"):
        dsn.validate_python("localhost:5432/shop")
    page = prose(DOCS_DIR / "principles" / "configuration" / "config-typed.md")
    assert "`PostgresDsn` accepts `postgres://`" in page


def test_bcrypt_uses_only_the_first_72_bytes_of_a_password() -> None:
    import bcrypt

    long_password = b"correct horse battery staple " * 3  # 87 bytes
    other_password = long_password[:72] + b"something else entirely"
    with pytest.raises(ValueError, match="password cannot be longer than 72 bytes"):
        bcrypt.hashpw(long_password, bcrypt.gensalt(rounds=4))
    # Truncated, as the error suggests, both passwords match the same hash.
    stored = bcrypt.hashpw(long_password[:72], bcrypt.gensalt(rounds=4))

    assert bcrypt.checkpw(other_password[:72], stored)
    page = prose(DOCS_DIR / "principles" / "security" / "password-hashing.md")
    assert "password cannot be longer than 72 bytes" in page


def test_the_shutdown_pages_entrypoint_sets_the_graceful_timeout() -> None:
    page = DOCS_DIR / "principles" / "operations" / "graceful-shutdown.md"
    entrypoint = next(
        block
        for block in find_fences(page)
        if block.language == "bash" and block.source.startswith("#!/bin/sh")
    )
    tested = (REPO_ROOT / "tests" / "service" / "test_shutdown.py").read_text()
    tested_script = tested.split('ENTRYPOINT_WITH_EXEC = """\\\n', 1)[1].split(
        '"""', 1
    )[0]

    option = re.search(r"--timeout-graceful-shutdown (\d+)", entrypoint.source)
    assert option, f"{entrypoint}: the entrypoint sets no --timeout-graceful-shutdown"
    assert f"--timeout-graceful-shutdown {option[1]}" in tested_script
    assert textwrap.dedent(tested_script).startswith("#!/bin/sh\nset -eu\nexec ")


def test_the_shutdown_page_names_the_sources_other_deployment_points() -> None:
    source = (DOCS_DIR / "_data" / "source-document.md").read_text()
    section = source.split("## Deployment Considerations\n", 1)[1].split("\n## ", 1)[0]
    points = re.findall(r"^\d+\. \*\*(.+?)\*\*", section, flags=re.MULTILINE)

    assert points == [
        "Containerization",
        "Environment Parity",
        "Database Migrations",
        "Graceful Shutdown",
    ]
    page = prose(DOCS_DIR / "principles" / "operations" / "graceful-shutdown.md")
    assert (
        "The source's other deployment points, containerization, environment"
        " parity and database migrations, are not shown here" in page
    )


def test_the_sources_url_replace_misses_the_postgres_scheme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import NoSuchModuleError
    from sqlalchemy.ext.asyncio import create_async_engine

    monkeypatch.chdir(DOCS_DIR)  # no .env here
    settings = source_settings_module().Settings(
        database_url="postgres://shop@db.internal:5432/shop",
        secret_key="c5Yh8Rt2Wq9Zp4Lm7Xv3Bn6Kd1Fs0Gj",  # noqa: S106 - a made-up key
    )

    assert settings.database_url_async == "postgres://shop@db.internal:5432/shop"
    with pytest.raises(
        NoSuchModuleError,
        match=re.escape("Can't load plugin: sqlalchemy.dialects:postgres"),
    ):
        create_async_engine(settings.database_url_async)


def test_the_sources_ruff_settings_are_deprecated_top_level_keys(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        source_text("pre-commit-configuration--toml")
    )
    (tmp_path / "orders.py").write_text('"""Orders."""\n')
    result = run_command([sys.executable, "-m", "ruff", "check", "orders.py"], tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    for line in [
        "warning: The top-level linter settings are deprecated in favour of their "
        "counterparts in the `lint` section. Please update the following options "
        "in `pyproject.toml`:",
        "  - 'ignore' -> 'lint.ignore'",
        "  - 'select' -> 'lint.select'",
        "  - 'isort' -> 'lint.isort'",
        "  - 'per-file-ignores' -> 'lint.per-file-ignores'",
    ]:
        assert line in result.stderr.splitlines(), result.stderr


def test_a_list_default_in_a_pydantic_model_is_already_per_instance() -> None:
    from pydantic import BaseModel

    assert "Use `Field(default_factory=list)`" in SOURCE.text

    class OrderDraft(BaseModel):
        skus: list[str] = []

    first, second = OrderDraft(), OrderDraft()
    first.skus.append("BOOK-001")

    assert (first.skus, second.skus) == (["BOOK-001"], [])


def test_the_database_url_rule_misses_the_postgres_scheme() -> None:
    rule = re.search(
        r"description = \"Database URL with password\"\nregex = '''(.+)'''",
        source_text("gitleaks-configuration--toml"),
    )
    assert rule

    assert re.search(rule[1], "postgresql://shop:Vq7rX2mTz9Lk@db.internal:5432/shop")
    assert (
        re.search(rule[1], "postgres://shop:Vq7rX2mTz9Lk@db.internal:5432/shop") is None
    )


def test_the_example_schemas_need_an_extra_the_source_never_installs() -> None:
    schemas = source_example("users/schemas.py")
    assert "EmailStr" in schemas
    # As in an environment with plain `pydantic`: no email-validator to import.
    code = f"import sys\nsys.modules['email_validator'] = None\n{schemas}"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert (
        "ImportError: email-validator is not installed, run "
        "`pip install 'pydantic[email]'`"
    ) in result.stderr


def test_the_example_model_imports_shared_as_a_top_level_package() -> None:
    models = source_example("users/models.py")
    assert "from shared.base_model import Base" in models

    # In the source's tree, shared/ sits inside the project's package, as
    # snippets/shop/shared does in the reference service.
    def python(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT / "snippets",
            capture_output=True,
            text=True,
            check=False,
        )

    absolute = python("from shared.base_model import Base")
    packaged = python("from shop.shared.base_model import Base")

    assert absolute.returncode == 1
    assert "ModuleNotFoundError: No module named 'shared'" in absolute.stderr
    assert packaged.returncode == 0, packaged.stderr


def test_sqlalchemy_says_declarative_base_is_superseded_and_mypy_cannot_check_it(
    tmp_path: Path,
) -> None:
    from sqlalchemy.orm import declarative_base

    doc = " ".join((declarative_base.__doc__ or "").split())
    assert (
        "the :func:`_orm.declarative_base` function is superseded by the new "
        ":class:`_orm.DeclarativeBase` class"
    ) in doc
    assert "Base = declarative_base()" in source_text("async-sqlalchemy-setup--python")
    # What "compatible with PEP 484 typing tools" means in practice: mypy
    # --strict rejects a model on the source's Base, and checks one on
    # DeclarativeBase.
    model = """
from sqlalchemy.orm import Mapped, mapped_column
{base}

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
"""
    (tmp_path / "legacy.py").write_text(
        model.format(
            base="from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()"
        )
    )
    (tmp_path / "typed.py").write_text(
        model.format(
            base="from sqlalchemy.orm import DeclarativeBase\n\n\n"
            "class Base(DeclarativeBase):\n    pass"
        )
    )
    result = run_command(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "legacy.py",
            "typed.py",
        ],
        tmp_path,
    )

    assert 'legacy.py:7: error: Invalid base class "Base"  [misc]' in result.stdout
    assert "typed.py" not in result.stdout, result.stdout
