"""The orders domain: placing orders and reading a customer's own orders."""
