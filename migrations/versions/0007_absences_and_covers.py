"""absences, disruptions and covers: daily changes and the dated overrides they publish

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('absence',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('teacher_code', sa.String(length=64), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('half', sa.String(length=2), nullable=True),
    sa.Column('periods', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_absence_teacher_code'), 'absence', ['teacher_code'], unique=False)
    op.create_table('disruption',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('campus_code', sa.String(length=64), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('half', sa.String(length=2), nullable=True),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_disruption_campus_code'), 'disruption', ['campus_code'], unique=False)
    op.create_table('cover',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('community_code', sa.String(length=64), nullable=False),
    sa.Column('term_code', sa.String(length=64), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('activity_code', sa.String(length=64), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('mode', sa.String(length=12), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('teacher_code', sa.String(length=64), nullable=True),
    sa.Column('absent_code', sa.String(length=64), nullable=True),
    sa.Column('absence_id', sa.Integer(), nullable=True),
    sa.Column('disruption_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('counted', sa.JSON(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=True),
    sa.Column('alternatives', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['absence_id'], ['absence.id'], ),
    sa.ForeignKeyConstraint(['disruption_id'], ['disruption.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_cover_community_code'), 'cover', ['community_code'], unique=False)
    op.create_index(op.f('ix_cover_date'), 'cover', ['date'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cover_date'), table_name='cover')
    op.drop_index(op.f('ix_cover_community_code'), table_name='cover')
    op.drop_table('cover')
    op.drop_index(op.f('ix_disruption_campus_code'), table_name='disruption')
    op.drop_table('disruption')
    op.drop_index(op.f('ix_absence_teacher_code'), table_name='absence')
    op.drop_table('absence')
