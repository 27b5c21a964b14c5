"""workshop attendance

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 12:11:10.702338

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotent_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotent_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_requests')),
    sa.UniqueConstraint('user_id', 'key', name='uq_idempotent_requests_user_key')
    )
    op.create_table('attendance_closures',
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['county_id'], ['regions.id'], name=op.f('fk_attendance_closures_county_id_regions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_attendance_closures_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_attendance_closures_updated_by_id_users')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_attendance_closures_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_closures'))
    )
    with op.batch_alter_table('attendance_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_closures_county_id'), ['county_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_closures_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('attendance_flags',
    sa.Column('kind', sa.Enum('two_places', name='flagkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('laborer_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_attendance_flags_created_by_id_users')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_attendance_flags_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_attendance_flags_updated_by_id_users')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_attendance_flags_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_flags'))
    )
    with op.batch_alter_table('attendance_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_flags_laborer_id'), ['laborer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_flags_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('employment_codes',
    sa.Column('laborer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_employment_codes_created_by_id_users')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_employment_codes_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_employment_codes_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_employment_codes_code'))
    )
    with op.batch_alter_table('employment_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_codes_laborer_id'), ['laborer_id'], unique=False)

    op.create_table('attendance',
    sa.Column('laborer_id', sa.Integer(), nullable=False),
    sa.Column('employment_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('workshop', 'public_welfare', name='attendancekind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('present', 'half_day', 'home_piecework', 'leave', 'absent', name='attendancestatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('hours', sa.Numeric(precision=4, scale=1), nullable=True),
    sa.Column('pieces', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_attendance_created_by_id_users')),
    sa.ForeignKeyConstraint(['employment_id'], ['employments.id'], name=op.f('fk_attendance_employment_id_employments')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_attendance_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_attendance_updated_by_id_users')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_attendance_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('laborer_id', 'day', 'kind', name='uq_attendance_laborer_day_kind')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_day', ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_employment_id'), ['employment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_laborer_id'), ['laborer_id'], unique=False)
        batch_op.create_index('ix_attendance_workshop_day', ['workshop_id', 'day'], unique=False)

    op.create_table('employment_interruptions',
    sa.Column('laborer_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('employment_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('first_absent_day', sa.Date(), nullable=False),
    sa.Column('last_absent_day', sa.Date(), nullable=False),
    sa.Column('absent_days', sa.Integer(), nullable=False),
    sa.Column('consumed_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_employment_interruptions_created_by_id_users')),
    sa.ForeignKeyConstraint(['employment_id'], ['employments.id'], name=op.f('fk_employment_interruptions_employment_id_employments')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_employment_interruptions_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_employment_interruptions_updated_by_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['regions.id'], name=op.f('fk_employment_interruptions_village_id_regions')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_employment_interruptions_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_interruptions')),
    sa.UniqueConstraint('employment_id', 'first_absent_day', name='uq_employment_interruptions_run')
    )
    with op.batch_alter_table('employment_interruptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_interruptions_laborer_id'), ['laborer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_interruptions_village_id'), ['village_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_interruptions_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('attendance_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attendance_id', sa.Integer(), nullable=False),
    sa.Column('laborer_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['attendance_id'], ['attendance.id'], name=op.f('fk_attendance_changes_attendance_id_attendance')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_attendance_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_attendance_changes_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_attendance_changes_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_changes'))
    )
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_changes_attendance_id'), ['attendance_id'], unique=False)
        batch_op.create_index('ix_attendance_changes_workshop_day', ['workshop_id', 'day'], unique=False)



def downgrade():
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_changes_workshop_day')
        batch_op.drop_index(batch_op.f('ix_attendance_changes_attendance_id'))

    op.drop_table('attendance_changes')
    with op.batch_alter_table('employment_interruptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employment_interruptions_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_employment_interruptions_village_id'))
        batch_op.drop_index(batch_op.f('ix_employment_interruptions_laborer_id'))

    op.drop_table('employment_interruptions')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_workshop_day')
        batch_op.drop_index(batch_op.f('ix_attendance_laborer_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_employment_id'))
        batch_op.drop_index('ix_attendance_day')

    op.drop_table('attendance')
    with op.batch_alter_table('employment_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employment_codes_laborer_id'))

    op.drop_table('employment_codes')
    with op.batch_alter_table('attendance_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_flags_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_flags_laborer_id'))

    op.drop_table('attendance_flags')
    with op.batch_alter_table('attendance_closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_closures_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_closures_county_id'))

    op.drop_table('attendance_closures')
    op.drop_table('idempotent_requests')
