"""rotation: county targets and rotation rules, teachers' school_since, rotation history and preferences

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('county') as batch:
        batch.add_column(sa.Column('targets', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('rotation_rules', sa.JSON(), nullable=True))
    with op.batch_alter_table('teacher') as batch:
        batch.add_column(sa.Column('school_since', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('rotation', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('preferences', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('teacher') as batch:
        batch.drop_column('preferences')
        batch.drop_column('rotation')
        batch.drop_column('school_since')
    with op.batch_alter_table('county') as batch:
        batch.drop_column('rotation_rules')
        batch.drop_column('targets')
