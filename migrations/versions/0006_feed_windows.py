"""feed windows: the dates each feed's bytes cover

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite reads a row's values in column order, through the overflow pages of
    # large ones: the small window columns go before the feed's bytes there.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('feed', schema=None, recreate="always" if sqlite else "auto") as batch_op:
        batch_op.add_column(sa.Column('window_start', sa.Date(), nullable=True),
                            **({"insert_before": "state"} if sqlite else {}))
        batch_op.add_column(sa.Column('window_end', sa.Date(), nullable=True),
                            **({"insert_before": "state"} if sqlite else {}))


def downgrade() -> None:
    with op.batch_alter_table('feed', schema=None) as batch_op:
        batch_op.drop_column('window_end')
        batch_op.drop_column('window_start')
