"""The session-per-request pattern alone, runnable as is (DB-SESSION's Do).

The reference service does the same in ``shop.core.main`` and
``shop.core.database``, among its other resources; this module shows only
the engine, the session factory and the dependency, on one table.
"""

# --8<-- [start:app]
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import APIRouter, Depends, FastAPI, Request, status
from pydantic import BaseModel
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)


class ProductIn(BaseModel):
    sku: str


class ProductOut(BaseModel):
    id: int
    sku: str


class State(TypedDict):
    sessions: async_sessionmaker[AsyncSession]


def create_app(database_url: str) -> FastAPI:
    # The lifespan: what FastAPI runs once at start-up (up to the yield)
    # and once at shutdown (after it). What it yields, each request can read
    # as request.state.
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[State]:
        engine = create_async_engine(database_url)  # one connection pool
        # expire_on_commit=False: objects stay readable after commit().
        yield {"sessions": async_sessionmaker(engine, expire_on_commit=False)}
        await engine.dispose()  # close the pool's connections

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    return app


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, closed once the response is sent."""
    async with request.state.sessions() as session:
        yield session


Db = Annotated[AsyncSession, Depends(get_db)]
router = APIRouter()


@router.post("/products", status_code=status.HTTP_201_CREATED)
async def create_product(data: ProductIn, db: Db) -> ProductOut:
    product = Product(sku=data.sku)
    db.add(product)
    await db.commit()
    return ProductOut(id=product.id, sku=product.sku)  # read after the commit


@router.get("/products/count")
async def count_products(db: Db) -> int:
    return await db.scalar(select(func.count()).select_from(Product)) or 0
    # --8<-- [end:app]
