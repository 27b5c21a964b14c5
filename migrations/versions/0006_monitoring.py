"""monitoring

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-22 12:54:26.450489

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alerts',
    sa.Column('kind', sa.Enum('no_one_employed', 'employment_ended', 'long_absence', 'monitored_lost_work', name='alertkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('open', 'following_up', 'resolved', name='alertstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('cause_key', sa.String(length=128), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('laborer_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('status_since', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_alerts_created_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_alerts_household_id_households')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_alerts_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_alerts_updated_by_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['regions.id'], name=op.f('fk_alerts_village_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_cause_key'), ['cause_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_laborer_id'), ['laborer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_village_id'), ['village_id'], unique=False)
        batch_op.create_index('uq_alerts_open_cause', ['cause_key'], unique=True, postgresql_where=sa.text("status IN ('open', 'following_up')"), sqlite_where=sa.text("status IN ('open', 'following_up')"))

    op.create_table('alert_events',
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('open', 'following_up', 'resolved', name='alert_from_status', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('to_status', sa.Enum('open', 'following_up', 'resolved', name='alert_to_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_events_alert_id_alerts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_alert_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_alert_events_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_events'))
    )
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_events_alert_id'), ['alert_id'], unique=False)



def downgrade():
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_events_alert_id'))

    op.drop_table('alert_events')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_open_cause', postgresql_where=sa.text("status IN ('open', 'following_up')"), sqlite_where=sa.text("status IN ('open', 'following_up')"))
        batch_op.drop_index(batch_op.f('ix_alerts_village_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_status'))
        batch_op.drop_index(batch_op.f('ix_alerts_laborer_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_kind'))
        batch_op.drop_index(batch_op.f('ix_alerts_household_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_cause_key'))

    op.drop_table('alerts')
