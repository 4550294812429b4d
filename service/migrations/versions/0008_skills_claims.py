"""reviewer skills on api_keys, claims (leases) on items (issue 19)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Keys made before this revision have no skills: their queue keeps the plain order.
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.add_column(sa.Column("skills", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("items") as batch_op:
        batch_op.add_column(sa.Column("claim_key_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", _TIME, nullable=True))
        batch_op.add_column(sa.Column("claim_expires_at", _TIME, nullable=True))
        batch_op.create_foreign_key("fk_items_claim_key_id", "api_keys", ["claim_key_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("items") as batch_op:
        batch_op.drop_constraint("fk_items_claim_key_id", type_="foreignkey")
        for column in ("claim_expires_at", "claimed_at", "claimed_by", "claim_key_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_column("skills")
