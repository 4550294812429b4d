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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copy
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
