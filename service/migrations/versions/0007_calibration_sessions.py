"""calibration sessions: sampled items, blind labels, adjudicated labels (issue 19)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibration_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sampling", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "calibration_session_reviewers",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["calibration_sessions.id"]),
        sa.PrimaryKeyConstraint("session_id", "key_id"),
    )
    op.create_table(
        "calibration_session_items",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stratum", sa.String(length=64), nullable=False),
        sa.Column("proposed_category", sa.String(length=32), nullable=True),
        sa.Column("proposed_severity", sa.String(length=16), nullable=True),
        sa.Column("proposed_confidence", sa.Double(), nullable=True),
        sa.Column("proposed_flags", sa.JSON(), nullable=False),
        sa.Column("adjudicated_category", sa.String(length=32), nullable=True),
        sa.Column("adjudicated_severity", sa.String(length=16), nullable=True),
        sa.Column("adjudicated_flags", sa.JSON(), nullable=True),
        sa.Column("adjudication_note", sa.Text(), nullable=True),
        sa.Column("adjudicated_by", sa.String(length=128), nullable=True),
        sa.Column("adjudicated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["calibration_sessions.id"]),
        sa.PrimaryKeyConstraint("session_id", "item_id"),
    )
    op.create_index(
        "ix_calibration_session_items_item_id", "calibration_session_items", ["item_id"]
    )
    op.create_table(
        "calibration_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["calibration_sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "item_id", "key_id", name="uq_calibration_labels_once"),
    )
    op.create_index("ix_calibration_labels_session_id", "calibration_labels", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_calibration_labels_session_id", table_name="calibration_labels")
    op.drop_table("calibration_labels")
    op.drop_index("ix_calibration_session_items_item_id", table_name="calibration_session_items")
    op.drop_table("calibration_session_items")
    op.drop_table("calibration_session_reviewers")
    op.drop_table("calibration_sessions")
