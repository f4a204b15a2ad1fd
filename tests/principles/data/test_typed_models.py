"""Evidence for DB-MODELS: what PostgreSQL names constraints when the models don't."""

from sqlalchemy import ForeignKey, MetaData, String, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import shop.catalog.models
import shop.orders.models
import shop.users.models  # noqa: F401 - every model registered on Base
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.shared.base_model import Base as ServiceBase
from tests.support.pages import block_titled

PAGE = DOCS_DIR / "principles" / "data" / "typed-models.md"
QUOTED = "Constraint names PostgreSQL made up"


class UnnamedBase(DeclarativeBase):
    """A base without a naming convention, in a schema of its own."""

    metadata = MetaData(schema="naming_demo")


class User(UnnamedBase):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)


class Order(UnnamedBase):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("naming_demo.users.id"))


async def test_without_a_convention_postgresql_invents_the_names_quoted(
    session: AsyncSession,
) -> None:
    connection = await session.connection()  # rolled back after the test
    await connection.execute(text("CREATE SCHEMA naming_demo"))
    await connection.run_sync(UnnamedBase.metadata.create_all)

    names = (
        await connection.scalars(
            text(
                "SELECT conname FROM pg_constraint"
                " WHERE connamespace = 'naming_demo'::regnamespace ORDER BY conname"
            )
        )
    ).all()

    assert names == block_titled(PAGE, QUOTED).source.split()


def test_the_migration_uses_the_conventions_names() -> None:
    migration = next((REPO_ROOT / "snippets" / "migrations").glob("*_init.sql"))
    sql = migration.read_text()

    for name in ("pk_users", "uq_users_email", "fk_orders_user_id_users"):
        assert f'CONSTRAINT "{name}"' in sql


def test_the_annotation_decides_not_null() -> None:
    class Base(DeclarativeBase):
        pass

    class Customer(Base):
        __tablename__ = "customers"

        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(255))
        phone: Mapped[str | None] = mapped_column(String(32))

    assert Customer.__table__.c.email.nullable is False
    assert Customer.__table__.c.phone.nullable is True


def test_every_relationship_of_the_service_names_its_other_end() -> None:
    """The page's rule, held against every model of the reference service."""
    relationships = [
        relationship
        for mapper in ServiceBase.registry.mappers
        for relationship in mapper.relationships
    ]

    assert len(relationships) >= 2  # Order.items and OrderItem.order
    for relationship in relationships:
        other = relationship.back_populates
        assert other, f"{relationship} has no back_populates"
        assert relationship.mapper.relationships[other].back_populates == (
            relationship.key
        ), f"{relationship} and its back_populates {other!r} do not name each other"
