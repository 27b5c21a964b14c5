"""alert runs: one row per day, the lock that makes the daily run happen once

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alert_runs',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('raised', sa.JSON(), nullable=False),
    sa.Column('closed', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_alert_runs_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_alert_runs_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_runs')),
    sa.UniqueConstraint('day', name=op.f('uq_alert_runs_day'))
    )


def downgrade():
    op.drop_table('alert_runs')
