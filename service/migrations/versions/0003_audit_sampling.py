"""audit samples on items, auto-apply switches per model version and class

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing items were never audit samples: the server default fills them with false.
    op.add_column(
        "items", sa.Column("audit", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "auto_apply_switches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=128), nullable=False),
        sa.Column("head", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_auto_apply_switches_class",
        "auto_apply_switches",
        ["model_version", "head", "label"],
    )


def downgrade() -> None:
    op.drop_index("ix_auto_apply_switches_class", table_name="auto_apply_switches")
    op.drop_table("auto_apply_switches")
    with op.batch_alter_table("items") as batch_op:
        batch_op.drop_column("audit")
