"""The page's minimal app with the source's ``get_db`` (DB-SESSION's Don't).

The same table, schemas and handler as ``session_per_request``; only the
dependency differs: it opens each session with ``AsyncSession``'s defaults,
as the source's ``get_db`` does, so ``commit()`` expires what it saved.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import APIRouter, Depends, FastAPI, Request, status
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from tests.principles.data.examples.session_per_request import (
    Product,
    ProductIn,
    ProductOut,
)


class State(TypedDict):
    engine: AsyncEngine


def create_app(database_url: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[State]:
        engine = create_async_engine(database_url)
        yield {"engine": engine}
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    return app


router = APIRouter()


# --8<-- [start:get-db]
async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    # AsyncSession's defaults, expire_on_commit=True among them.
    async with AsyncSession(request.state.engine) as session:
        yield session


Db = Annotated[AsyncSession, Depends(get_db)]


@router.post("/products", status_code=status.HTTP_201_CREATED)
async def create_product(data: ProductIn, db: Db) -> ProductOut:
    product = Product(sku=data.sku)
    db.add(product)
    await db.commit()  # saved, and every attribute of product unloaded
    # Reading product.id now needs a lazy load, which async SQLAlchemy
    # refuses outside an await (MissingGreenlet): the client gets a 500.
    return ProductOut(id=product.id, sku=product.sku)
    # --8<-- [end:get-db]
