# Atlas project file: `atlas migrate diff --env local` plans the next migration
# by comparing the models (printed by scripts/load_models.py) with
# migrations/; `atlas migrate apply --env local --url "$DATABASE_URL"` applies it.
# Run atlas from this directory (snippets/).

data "external_schema" "sqlalchemy" {
  program = ["uv", "run", "python", "scripts/load_models.py"]
}

env "local" {
  src = data.external_schema.sqlalchemy.url
  # A scratch database Atlas may wipe at will, to replay and normalise schemas.
  # Never point this at a database holding data.
  dev = "postgres://postgres@127.0.0.1:5433/atlas_dev?sslmode=disable&search_path=public"
  # Where Docker is available, Atlas can start a throwaway one instead:
  # dev = "docker://postgres/15/dev?search_path=public"
  migration {
    dir = "file://migrations"
  }
  format {
    migrate {
      diff = "{{ sql . \"  \" }}"
    }
  }
}
