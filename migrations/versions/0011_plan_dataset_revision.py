"""plan dataset revision: the revision of the dataset each plan version was solved from

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Older versions get NULL: their data is unknown, so publishing one re-checks it.
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dataset_revision', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_column('dataset_revision')
