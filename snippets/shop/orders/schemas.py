"""Request and response bodies of the orders domain."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field

from shop.shared.numbers import JsonInt

# --8<-- [start:order-create]
Sku = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
]
"""A stock-keeping unit code: upper-case letters, digits and dashes."""


class OrderItemCreate(BaseModel):
    """One line of a new order: what and how many. The price is the shop's."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku
    # Bounded so that any order total fits comfortably in a 64-bit integer;
    # a number, as the schema says, not true or "2".
    quantity: JsonInt = Field(ge=1, le=10_000)


# --8<-- [start:order-example]
class OrderCreate(BaseModel):
    """Body of ``POST /orders``."""

    model_config = ConfigDict(
        extra="forbid",
        # Shown in /docs and sent by its "Try it out"; a test validates it.
        json_schema_extra={
            "examples": [{"items": [{"sku": "MUG-BLUE", "quantity": 2}]}]
        },
    )

    items: list[OrderItemCreate] = Field(min_length=1, max_length=100)
    # --8<-- [end:order-example]
    # --8<-- [end:order-create]


class OrderItemResponse(BaseModel):
    """One line of an order as the API shows it, at the price charged."""

    model_config = ConfigDict(from_attributes=True)

    sku: str
    quantity: int
    unit_price_cents: int


class OrderResponse(BaseModel):
    """An order as the API shows it, with its total computed from the lines."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    items: list[OrderItemResponse]

    # mypy rejects any decorator above @property; pydantic documents this
    # exact stacking for computed fields, and checks it at class creation.
    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_cents(self) -> int:
        """Sum of quantity times unit price over all lines."""
        return sum(item.quantity * item.unit_price_cents for item in self.items)
