"""The catalog domain: what can be ordered, and at what price."""
