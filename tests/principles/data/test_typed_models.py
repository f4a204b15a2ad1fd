"""Evidence for DB-MODELS: constraint names, NOT NULL, and relationships that name their other end."""

import pytest
from sqlalchemy import ForeignKey, MetaData, String, text
from sqlalchemy.exc import SAWarning
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

import shop.catalog.models
import shop.orders.models
import shop.users.models  # noqa: F401 - every model registered on Base
from handbook.content.docs_tree import DOCS_DIR, REPO_ROOT
from shop.shared.base_model import Base as ServiceBase
from tests.support.pages import block_titled, prose

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


def test_the_migrations_use_the_conventions_names() -> None:
    sql = "".join(
        path.read_text()
        for path in sorted((REPO_ROOT / "snippets" / "migrations").glob("*.sql"))
    )
    names = [
        constraint.name
        for table in ServiceBase.metadata.tables.values()
        for constraint in table.constraints
    ]

    assert len(names) >= 10
    for name in names:
        assert f'CONSTRAINT "{name}"' in sql, name
    # Written in Atlas's format, not generated: Atlas never ran here (see
    # DB-MIGRATIONS), and a diff would not split a CHECK into NOT VALID and
    # VALIDATE as the NFC migrations do.
    assert "NOT VALID" in sql
    assert "the names the migration files use" in prose(PAGE)


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
    links = [
        link for mapper in ServiceBase.registry.mappers for link in mapper.relationships
    ]

    assert len(links) >= 2  # Order.items and OrderItem.order
    for link in links:
        other = link.back_populates
        assert other, f"{link} has no back_populates"
        assert link.mapper.relationships[other].back_populates == link.key, (
            f"{link} and its back_populates {other!r} do not name each other"
        )


# --8<-- [start:one-sided-relationships]
def test_two_one_sided_relationships_are_two_unrelated_links() -> None:
    class Base(DeclarativeBase):
        pass

    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        items: Mapped[list["OrderItem"]] = relationship()  # no back_populates

    class OrderItem(Base):
        __tablename__ = "order_items"
        id: Mapped[int] = mapped_column(primary_key=True)
        order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
        order: Mapped[Order | None] = relationship()  # a second, unrelated link

    with pytest.warns(SAWarning, match="should be linked with back_populates"):
        item = OrderItem()
    Order(items=[item])
    assert item.order is None  # the item was added, but does not know its order
    # --8<-- [end:one-sided-relationships]
