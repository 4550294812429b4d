"""themes, incidents and the pattern worker's state (issue 18)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("label_source", sa.String(length=16), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("centroid", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("representative_item_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["merged_into"], ["themes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_themes_status", "themes", ["status"])
    op.create_table(
        "theme_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_theme_changes_theme_id", "theme_changes", ["theme_id"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detector_key", sa.String(length=64), nullable=True),
        sa.Column("detector_open", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("response_rule", sa.String(length=64), nullable=False),
        sa.Column("routing_rule", sa.String(length=128), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("first_item_at", _TIME, nullable=False),
        sa.Column("opened_at", _TIME, nullable=False),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("resolved_at", _TIME, nullable=True),
        sa.Column("status_text", sa.Text(), nullable=False),
        sa.Column("published_text", sa.Text(), nullable=True),
        sa.Column("published_at", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("detector_key"),
    )
    op.create_index("ix_incidents_status_opened", "incidents", ["status", "opened_at"])
    op.create_index("ix_incidents_theme_id", "incidents", ["theme_id"])
    op.create_index("ix_incidents_owner", "incidents", ["owner"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_events_incident_id", "incident_events", ["incident_id"])
    op.create_table(
        "pattern_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # Items stored before this revision are analysed by the worker like new ones.
    with op.batch_alter_table("items") as batch_op:
        batch_op.add_column(sa.Column("theme_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("analysed_at", _TIME, nullable=True))
        batch_op.create_foreign_key("fk_items_theme_id", "themes", ["theme_id"], ["id"])
        batch_op.create_foreign_key("fk_items_incident_id", "incidents", ["incident_id"], ["id"])
        batch_op.create_index("ix_items_theme_id", ["theme_id"])
        batch_op.create_index("ix_items_incident_id", ["incident_id"])
        batch_op.create_index("ix_items_analysed_at", ["analysed_at"])
    # An incident's notification announces no one item.
    with op.batch_alter_table("webhook_outbox") as batch_op:
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_webhook_outbox_incident_id", "incidents", ["incident_id"], ["id"]
        )
        batch_op.create_index("ix_webhook_outbox_incident_id", ["incident_id"])


def downgrade() -> None:
    with op.batch_alter_table("webhook_outbox") as batch_op:
        batch_op.drop_index("ix_webhook_outbox_incident_id")
        batch_op.drop_constraint("fk_webhook_outbox_incident_id", type_="foreignkey")
        batch_op.drop_column("incident_id")
    op.execute("DELETE FROM webhook_outbox WHERE item_id IS NULL")
    with op.batch_alter_table("webhook_outbox") as batch_op:
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("items") as batch_op:
        batch_op.drop_index("ix_items_analysed_at")
        batch_op.drop_index("ix_items_incident_id")
        batch_op.drop_index("ix_items_theme_id")
        batch_op.drop_constraint("fk_items_incident_id", type_="foreignkey")
        batch_op.drop_constraint("fk_items_theme_id", type_="foreignkey")
        batch_op.drop_column("analysed_at")
        batch_op.drop_column("incident_id")
        batch_op.drop_column("theme_id")
    op.drop_table("pattern_state")
    op.drop_index("ix_incident_events_incident_id", table_name="incident_events")
    op.drop_table("incident_events")
    op.drop_index("ix_incidents_owner", table_name="incidents")
    op.drop_index("ix_incidents_theme_id", table_name="incidents")
    op.drop_index("ix_incidents_status_opened", table_name="incidents")
    op.drop_table("incidents")
    op.drop_index("ix_theme_changes_theme_id", table_name="theme_changes")
    op.drop_table("theme_changes")
    op.drop_index("ix_themes_status", table_name="themes")
    op.drop_table("themes")
