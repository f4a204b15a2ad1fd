"""The declarative base every model in every domain inherits from."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# --8<-- [start:naming-convention]
# Without a naming convention PostgreSQL invents constraint names, so a
# migration generated from the models and the live database disagree on names
# and every diff shows spurious drops and re-creates.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of all ORM models; owns the single shared ``MetaData``."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # --8<-- [end:naming-convention]


# Upper bound of a PostgreSQL BIGINT, the type of every id: a larger id would
# make the database, not the validation layer, reject the request.
MAX_ID = 2**63 - 1
