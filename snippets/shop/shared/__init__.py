"""What every domain uses and no domain owns: the SQLAlchemy base, domain
exceptions, pagination, HTTP caching, the Redis cache and rate limiter, text
rules, and typed access to the lifespan's resources."""
