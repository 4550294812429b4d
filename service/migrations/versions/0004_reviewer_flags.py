"""reviewer red flags on items and reviews

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing items and reviews had no reviewer flags: the server default fills them with [].
    for table in ("items", "reviews"):
        op.add_column(
            table, sa.Column("reviewer_flags", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    for table in ("reviews", "items"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("reviewer_flags")
