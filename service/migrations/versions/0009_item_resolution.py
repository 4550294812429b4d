"""items: how a resolved item was closed (root cause, action, change, review) (issue 19)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ("root_cause", "action_taken", "internal_change", "resolution_review")


def upgrade() -> None:
    with op.batch_alter_table("items") as batch_op:
        batch_op.add_column(sa.Column("root_cause", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("action_taken", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("internal_change", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resolution_review", sa.JSON(), nullable=True))
    _copy_from_events()


def _copy_from_events() -> None:
    """Items resolved before this revision recorded what was done and what changed only in
    their `resolved` event: copy it onto the item (the latest such event of each item)."""
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("item_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
    )
    items = sa.table(
        "items",
        sa.column("id", sa.Integer),
        sa.column("action_taken", sa.Text),
        sa.column("internal_change", sa.Text),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(events.c.item_id, events.c.data)
        .where(events.c.kind == "resolved")
        .order_by(events.c.id)
    ).all()
    latest = {item_id: data or {} for item_id, data in rows}  # later events overwrite
    for item_id, data in latest.items():
        bind.execute(
            items.update()
            .where(items.c.id == item_id)
            .values(
                action_taken=data.get("action_taken"), internal_change=data.get("internal_change")
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("items") as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
