"""Application wiring: settings, database engine, logging, error handling, the app factory."""
