-- The app's own database role, shop: it reads and writes the rows of the
-- tables and nothing more. It is no superuser and owns nothing, so it cannot
-- create (not even a temporary table: see the end), alter, drop or truncate
-- a table, and it has no DELETE, which the app never runs. The tables
-- belong to postgres, who runs the migrations.
--
-- One file for both local setups, so they cannot drift apart:
-- `task db-start` runs it on every start, and compose's postgres service
-- runs it once, when its data volume is new (mounted into
-- /docker-entrypoint-initdb.d). Both run it with psql, as postgres,
-- connected to the shop database.

-- CREATE ROLE has no IF NOT EXISTS: psql's \gexec runs the statement this
-- query returns, which is none once the role exists.
SELECT 'CREATE ROLE shop LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shop')
\gexec

-- A password where connections need one: compose's app connects over the
-- network (scram-sha-256), and the postgres service's environment sets
-- SHOP_APP_PASSWORD. db-start's server trusts local connections and sets
-- none. (\getenv needs psql 15 or newer.)
\getenv shop_app_password SHOP_APP_PASSWORD
\if :{?shop_app_password}
ALTER ROLE shop PASSWORD :'shop_app_password';
\endif

GRANT USAGE ON SCHEMA public TO shop;
-- The tables that exist now, and those postgres creates later: in compose,
-- the migrations run after this file.
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO shop;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE ON TABLES TO shop;

-- The migrations' record (scripts/apply_migrations.py), read only: the
-- readiness probe compares its newest revision with the one the code needs.
-- The schema is made here when the migrations have not run yet (compose
-- runs this file first); the script then creates its table in it.
CREATE SCHEMA IF NOT EXISTS shop_meta;
GRANT USAGE ON SCHEMA shop_meta TO shop;
GRANT SELECT ON ALL TABLES IN SCHEMA shop_meta TO shop;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA shop_meta
    GRANT SELECT ON TABLES TO shop;

-- PostgreSQL grants TEMPORARY on every database to PUBLIC, so without this
-- the role could still create temporary tables. :"DBNAME" is psql's name
-- for the database it is connected to (shop, in both setups).
REVOKE TEMPORARY ON DATABASE :"DBNAME" FROM PUBLIC;
