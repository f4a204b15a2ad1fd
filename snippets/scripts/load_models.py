"""Print the DDL of every model, for Atlas (``data.external_schema`` in atlas.hcl).

Atlas runs this program, loads its output into a dev database and diffs that
against the migration directory to plan the next migration.
"""

from atlas_provider_sqlalchemy.ddl import print_ddl

from shop.catalog.models import Product
from shop.orders.models import Order, OrderItem
from shop.users.models import User

# Every model, listed by hand: a model missing here is a table Atlas would
# plan to drop. tests/service check that this list covers Base.metadata.
MODELS = [User, Product, Order, OrderItem]


def main() -> None:
    """Write ``CREATE`` statements for all tables to stdout."""
    print_ddl("postgresql", MODELS)


if __name__ == "__main__":  # pragma: no cover
    main()
