"""plan publications: each publication's version and the date from which it applies

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_publication',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('community_code', sa.String(length=64), nullable=False),
    sa.Column('term_code', sa.String(length=64), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_plan_publication_community_code'), 'plan_publication', ['community_code'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_plan_publication_community_code'), table_name='plan_publication')
    op.drop_table('plan_publication')
