"""Response bodies of the catalog domain."""

from pydantic import BaseModel, ConfigDict


class ProductResponse(BaseModel):
    """A product as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    sku: str
    name: str
    unit_price_cents: int
