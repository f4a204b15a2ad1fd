"""Evidence for DB-FROM-ALEMBIC: atlas.sum pins the migration directory, and an
applied migration is never edited.

The Atlas CLI cannot run here; atlas.sum is computed with the reimplementation
in tests/support/atlas_sum.py, checked against a file the real CLI wrote.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from tests.support.atlas_sum import atlas_sum
from tests.support.database_schema import schema_dump
from tests.support.pages import prose
from tests.support.shop_fixtures import MIGRATIONS_DIR, DatabaseFactory, load_script

PAGE = DOCS_DIR / "principles" / "data" / "atlas-for-alembic-users.md"


# --8<-- [start:atlas-sum-pins]
def test_a_new_or_edited_migration_no_longer_matches_atlas_sum(tmp_path: Path) -> None:
    migrations = Path(shutil.copytree(MIGRATIONS_DIR, tmp_path / "migrations"))
    committed = (migrations / "atlas.sum").read_text()
    assert atlas_sum(migrations) == committed  # the directory as committed

    # A teammate's migration arrives in a merge, without re-hashing:
    (migrations / "20261127090000_add_order_notes.sql").write_text(
        'ALTER TABLE "orders" ADD COLUMN "notes" text;\n'
    )
    assert atlas_sum(migrations) != committed

    # ...or someone "fixes" a migration that was already applied somewhere:
    (migrations / "20261127090000_add_order_notes.sql").unlink()
    first = sorted(migrations.glob("*.sql"))[0]
    first.write_text(first.read_text().replace("varying(100)", "varying(200)"))
    assert atlas_sum(migrations) != committed
    # --8<-- [end:atlas-sum-pins]


# --8<-- [start:applied-is-final]
async def test_a_database_refuses_a_migration_edited_after_it_ran(
    create_database: DatabaseFactory, tmp_path: Path
) -> None:
    apply_migrations = load_script("apply_migrations")
    url = await create_database()
    migration = tmp_path / "20261127090000_add_order_notes.sql"
    migration.write_text('CREATE TABLE "order_notes" ("id" bigint);\n')
    await apply_migrations.apply_migrations(url, tmp_path)

    # The Alembic habit: downgrade, edit the revision, upgrade again.
    migration.write_text('CREATE TABLE "order_notes" ("id" bigint, "body" text);\n')

    with pytest.raises(
        apply_migrations.MigrationError, match="changed after it was applied"
    ):
        await apply_migrations.apply_migrations(url, tmp_path)
    # --8<-- [end:applied-is-final]


def test_re_hashing_makes_an_edited_applied_file_match_atlas_sum_again(
    tmp_path: Path,
) -> None:
    migrations = Path(shutil.copytree(MIGRATIONS_DIR, tmp_path / "migrations"))
    committed = (migrations / "atlas.sum").read_text()
    first = sorted(migrations.glob("*.sql"))[0]
    first.write_text(first.read_text().replace("varying(100)", "varying(200)"))
    assert atlas_sum(migrations) != committed

    # `atlas migrate hash`: atlas.sum now vouches for the edited file.
    (migrations / "atlas.sum").write_text(atlas_sum(migrations))

    assert atlas_sum(migrations) == (migrations / "atlas.sum").read_text()
    page = prose(PAGE)
    # Only the repository's runner compares an applied file with its record.
    assert "like Atlas, refuses" not in page
    assert "runner records each applied file's hash and refuses an edited one" in page
    assert "after `atlas migrate hash` an edited file matches again" in page
    assert "the runner's refusal of an edited, applied file is lost then" in page


def test_the_page_says_what_was_not_run() -> None:
    page = prose(PAGE)
    assert "The Atlas CLI cannot be installed where this handbook is tested" in page
    assert "Alembic was not run either" in page


def test_nothing_in_the_project_mentions_alembic() -> None:
    files = [REPO_ROOT / "pyproject.toml", REPO_ROOT / "uv.lock"]
    files += [p for p in (REPO_ROOT / "snippets").rglob("*") if p.is_file()]
    assert [f for f in files if "alembic" in f.read_text(errors="ignore").lower()] == []


def test_two_branches_each_adding_a_migration_conflict_on_atlas_sum(
    tmp_path: Path,
) -> None:
    git_path = shutil.which("git")
    assert git_path, "git is not on PATH"

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                git_path,
                "-c",
                "user.name=Ada",
                "-c",
                "user.email=ada@example.com",
                *args,
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    migrations = Path(shutil.copytree(MIGRATIONS_DIR, tmp_path / "migrations"))
    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-qm", "init")

    for branch, name in (("notes", "add_order_notes"), ("phone", "add_user_phone")):
        git("checkout", "-q", "-b", branch, "main")
        version = "20261127090000" if branch == "notes" else "20261127100000"
        (migrations / f"{version}_{name}.sql").write_text(f"-- {name}\n")
        (migrations / "atlas.sum").write_text(atlas_sum(migrations))
        git("add", ".")
        git("commit", "-qm", name)

    git("checkout", "-q", "main")
    git("merge", "-q", "notes")
    merged = git("merge", "phone")

    assert merged.returncode != 0
    assert "CONFLICT (content): Merge conflict in migrations/atlas.sum" in merged.stdout
    assert "conflict in Git on that file rather than after deployment" in prose(PAGE)


def test_the_source_names_alembic_once_with_no_reason_or_path() -> None:
    source = (REPO_ROOT / "docs" / "_data" / "source-document.md").read_text(
        encoding="utf-8"
    )
    lines = [line.strip() for line in source.splitlines()]
    assert [line for line in lines if "alembic" in line.lower()] == [
        "- Never use Alembic"
    ]
    # The Atlas item's sub-items: the rule and a link to Atlas's SQLAlchemy
    # guide, which neither says why nor how to move from Alembic.
    atlas = lines.index("- **Atlas** for database migrations")
    assert lines[atlas + 1 : atlas + 4] == [
        "- Never use Alembic",
        "- Reference: https://atlasgo.io/guides/orms/sqlalchemy/script",
        "- **Taskfile** for development command automation",
    ]
    assert 'The source says "Never use Alembic" and gives no reason or path.' in (
        prose(PAGE)
    )


async def test_a_data_fix_leaves_the_schema_the_diff_compares_as_it_was(
    create_database: DatabaseFactory, tmp_path: Path
) -> None:
    apply_migrations = load_script("apply_migrations").apply_migrations
    with_fix = Path(shutil.copytree(MIGRATIONS_DIR, tmp_path / "migrations"))
    (with_fix / "20261206090000_backfill_user_names.sql").write_text(
        "UPDATE users SET name = initcap(name) WHERE name = lower(name);\n"
    )
    without, with_ = await create_database(), await create_database()
    await apply_migrations(without, MIGRATIONS_DIR)
    await apply_migrations(with_, with_fix)

    # migrate diff plans from the models' schema against the directory's
    # replayed schema; a data fix changes neither, so there is nothing to plan.
    assert schema_dump(with_) == schema_dump(without)
    assert "a backfill or a data fix gives it nothing to write" in prose(PAGE)
