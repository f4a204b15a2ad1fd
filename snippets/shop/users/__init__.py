"""The users domain: registration, authentication and profiles."""
