"""Database model of the users domain."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Identity,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.shared.base_model import Base


class User(Base):
    """A registered customer."""

    __tablename__ = "users"
    __table_args__ = (
        # Emails are unique whatever their case or spelling. Storing them in
        # one canonical form and letting the database insist on it keeps the
        # plain unique index sufficient, whatever code path writes the row.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        # One Unicode spelling too: "josé" composed (NFC) and decomposed
        # (NFD) are different strings to the unique index.
        CheckConstraint("email IS NFC NORMALIZED", name="email_nfc"),
        # And "ada" in full-width letters: NFKC folds it (the service does).
        CheckConstraint("email IS NFKC NORMALIZED", name="email_nfkc"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Bumped when the password changes: tokens carry the version they were
    # issued under, and an older one is refused.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
