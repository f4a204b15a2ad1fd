"""Utilities shared by every domain: the SQLAlchemy base, domain exceptions, pagination."""
