"""feed_change: one row per transaction that changed a feed, polled by web processes' feed caches

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feed_change',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('feed_change')
