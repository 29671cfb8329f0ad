"""meeting links and feed settings: county feed settings, campus address, meeting_url of co-teaching and research

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('county') as batch:
        batch.add_column(sa.Column('feeds', sa.JSON(), nullable=True))
    with op.batch_alter_table('campus') as batch:
        batch.add_column(sa.Column('address', sa.String(length=500), nullable=True))
    with op.batch_alter_table('coteaching') as batch:
        batch.add_column(sa.Column('meeting_url', sa.String(length=2000), nullable=True))
    with op.batch_alter_table('research_group') as batch:
        batch.add_column(sa.Column('meeting_url', sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('research_group') as batch:
        batch.drop_column('meeting_url')
    with op.batch_alter_table('coteaching') as batch:
        batch.drop_column('meeting_url')
    with op.batch_alter_table('campus') as batch:
        batch.drop_column('address')
    with op.batch_alter_table('county') as batch:
        batch.drop_column('feeds')
