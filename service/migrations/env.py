"""Alembic environment: runs the project's migrations against the configured URL."""

from __future__ import annotations

from alembic import context

from service.db import make_engine
from service.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch alter copies a table and drops the old one; with foreign keys on, SQLite
            # refuses to drop a table that stored rows point at (events -> items). The pragma
            # only takes effect outside a transaction; the check below runs after the copy.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,  # SQLite alters by copy
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
    engine.dispose()


run_migrations_online()
