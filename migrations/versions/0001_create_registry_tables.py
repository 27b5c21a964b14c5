"""create registry tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 11:32:36.685519

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('users',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=True),
    sa.Column('role', sa.Enum('admin', 'bureau', 'cadre', 'manager', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_users_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_users_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name'))
    )
    op.create_table('api_tokens',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_tokens_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_api_tokens_updated_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('regions',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('level', sa.Enum('county', 'township', 'village', name='regionlevel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_regions_created_by_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['regions.id'], name=op.f('fk_regions_parent_id_regions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_regions_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
    sa.UniqueConstraint('code', name=op.f('uq_regions_code'))
    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regions_parent_id'), ['parent_id'], unique=False)

    op.create_table('employers',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.Enum('enterprise', 'cooperative', 'village_collective', 'workshop_operator', name='employerkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('contact_name', sa.String(length=64), nullable=True),
    sa.Column('contact_phone_encrypted', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['county_id'], ['regions.id'], name=op.f('fk_employers_county_id_regions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_employers_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_employers_region_id_regions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_employers_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employers')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_employers_credit_code'))
    )
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employers_county_id'), ['county_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employers_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_employers_region_id'), ['region_id'], unique=False)

    op.create_table('households',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('out_of_poverty', 'unstable', 'marginal', 'sudden_hardship', 'other', name='householdcategory', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('risk_level', sa.Enum('high', 'medium', 'low', name='risklevel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('head_name', sa.String(length=64), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_households_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_households_updated_by_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['regions.id'], name=op.f('fk_households_village_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('code', name=op.f('uq_households_code'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_village_id'), ['village_id'], unique=False)

    op.create_table('user_regions',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_user_regions_region_id_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_regions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'region_id', name=op.f('pk_user_regions'))
    )
    op.create_table('laborers',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('id_number_encrypted', sa.Text(), nullable=False),
    sa.Column('id_number_index', sa.String(length=64), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('sex', sa.Enum('male', 'female', name='sex', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('relation_to_head', sa.String(length=16), nullable=True),
    sa.Column('phone_encrypted', sa.Text(), nullable=True),
    sa.Column('skills_raw', sa.JSON(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('labor_capacity', sa.Enum('normal', 'skilled', 'weak', 'none', name='laborcapacity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('willingness', sa.Enum('none', 'village', 'county', 'province', 'anywhere', name='willingness', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('employment_status', sa.Enum('unemployed', 'workshop', 'public_welfare', 'local_enterprise', 'migrant', 'self_employed', name='employmentstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('needs_flexible_hours', sa.Boolean(), nullable=False),
    sa.Column('home_based_only', sa.Boolean(), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('health_note_encrypted', sa.Text(), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_laborers_created_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_laborers_household_id_households')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_laborers_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_laborers')),
    sa.UniqueConstraint('id_number_index', name=op.f('uq_laborers_id_number_index'))
    )
    with op.batch_alter_table('laborers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_laborers_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_laborers_name'), ['name'], unique=False)

    op.create_table('workshops',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('products', sa.String(length=255), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('wage_mode', sa.Enum('piece', 'day', 'month', name='wagemode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('flexible_hours', sa.Boolean(), nullable=False),
    sa.Column('home_piecework', sa.Boolean(), nullable=False),
    sa.Column('certification_status', sa.Enum('applied', 'certified', 'suspended', name='certificationstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('certified_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_workshops_created_by_id_users')),
    sa.ForeignKeyConstraint(['operator_id'], ['employers.id'], name=op.f('fk_workshops_operator_id_employers')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_workshops_updated_by_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['regions.id'], name=op.f('fk_workshops_village_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshops'))
    )
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshops_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshops_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshops_village_id'), ['village_id'], unique=False)

    op.create_table('openings',
    sa.Column('kind', sa.Enum('workshop', 'public_welfare', 'enterprise', name='openingkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('site_name', sa.String(length=128), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=False),
    sa.Column('longitude', sa.Double(), nullable=False),
    sa.Column('required_skills_raw', sa.JSON(), nullable=False),
    sa.Column('required_skills', sa.JSON(), nullable=False),
    sa.Column('age_min', sa.Integer(), nullable=False),
    sa.Column('age_max', sa.Integer(), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('remaining_headcount', sa.Integer(), nullable=False),
    sa.Column('wage_min', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('wage_max', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('wage_unit', sa.Enum('month', 'day', 'piece', name='wageunit', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('working_pattern', sa.Enum('full_time', 'flexible_hours', 'home_piecework', name='workingpattern', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('physical_intensity', sa.Enum('light', 'medium', 'heavy', name='physicalintensity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('shuttle', sa.Boolean(), nullable=False),
    sa.Column('organised_transfer', sa.Boolean(), nullable=False),
    sa.Column('accommodation', sa.Boolean(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'closed', name='openingstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('age_min <= age_max', name=op.f('ck_openings_age_range_ordered')),
    sa.CheckConstraint('remaining_headcount <= headcount', name=op.f('ck_openings_remaining_within_headcount')),
    sa.CheckConstraint('remaining_headcount >= 0', name=op.f('ck_openings_remaining_not_negative')),
    sa.ForeignKeyConstraint(['county_id'], ['regions.id'], name=op.f('fk_openings_county_id_regions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_openings_created_by_id_users')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_openings_employer_id_employers')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_openings_region_id_regions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_openings_updated_by_id_users')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_openings_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_openings'))
    )
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_openings_county_id'), ['county_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_openings_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_openings_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_openings_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_openings_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_openings_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_managers',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workshop_managers_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_workshop_managers_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('user_id', 'workshop_id', name=op.f('pk_workshop_managers'))
    )
    op.create_table('referrals',
    sa.Column('laborer_id', sa.Integer(), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('recommended', 'referred', 'interviewed', 'hired', 'rejected', 'declined', 'withdrawn', 'left', 'obsolete', name='referralstate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('state_since', sa.DateTime(), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('reason_code', sa.Enum('too_far', 'wage_too_low', 'health', 'family_care', 'no_skill_match', 'employer_closed', 'age', 'other', name='outcomereason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_referrals_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], name=op.f('fk_referrals_opening_id_openings')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_referrals_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_laborer_id'), ['laborer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_opening_id'), ['opening_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_state'), ['state'], unique=False)

    op.create_table('employments',
    sa.Column('laborer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('workshop', 'public_welfare', 'local_enterprise', 'migrant', 'self_employed', name='employmentkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('opening_id', sa.Integer(), nullable=True),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('full_time', sa.Boolean(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.Enum('too_far', 'wage_too_low', 'health', 'family_care', 'no_skill_match', 'employer_closed', 'age', 'other', name='outcomereason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('wage', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('wage_unit', sa.Enum('month', 'day', 'piece', name='wageunit', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_employments_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_employments_created_by_id_users')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employments_employer_id_employers')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_employments_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], name=op.f('fk_employments_opening_id_openings')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_employments_referral_id_referrals')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_employments_updated_by_id_users')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_employments_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employments'))
    )
    with op.batch_alter_table('employments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employments_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employments_laborer_id'), ['laborer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employments_opening_id'), ['opening_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employments_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('referral_events',
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.Enum('recommended', 'referred', 'interviewed', 'hired', 'rejected', 'declined', 'withdrawn', 'left', 'obsolete', name='referral_from_state', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('to_state', sa.Enum('recommended', 'referred', 'interviewed', 'hired', 'rejected', 'declined', 'withdrawn', 'left', 'obsolete', name='referral_to_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('reason_code', sa.Enum('too_far', 'wage_too_low', 'health', 'family_care', 'no_skill_match', 'employer_closed', 'age', 'other', name='outcomereason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_referral_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_events_referral_id_referrals')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_referral_events_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_events'))
    )
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_events_referral_id'), ['referral_id'], unique=False)



def downgrade():
    with op.batch_alter_table('referral_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_events_referral_id'))

    op.drop_table('referral_events')
    with op.batch_alter_table('employments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employments_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_employments_opening_id'))
        batch_op.drop_index(batch_op.f('ix_employments_laborer_id'))
        batch_op.drop_index(batch_op.f('ix_employments_employer_id'))

    op.drop_table('employments')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_state'))
        batch_op.drop_index(batch_op.f('ix_referrals_opening_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_laborer_id'))

    op.drop_table('referrals')
    op.drop_table('workshop_managers')
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_openings_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_openings_status'))
        batch_op.drop_index(batch_op.f('ix_openings_region_id'))
        batch_op.drop_index(batch_op.f('ix_openings_kind'))
        batch_op.drop_index(batch_op.f('ix_openings_employer_id'))
        batch_op.drop_index(batch_op.f('ix_openings_county_id'))

    op.drop_table('openings')
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshops_village_id'))
        batch_op.drop_index(batch_op.f('ix_workshops_operator_id'))
        batch_op.drop_index(batch_op.f('ix_workshops_name'))

    op.drop_table('workshops')
    with op.batch_alter_table('laborers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_laborers_name'))
        batch_op.drop_index(batch_op.f('ix_laborers_household_id'))

    op.drop_table('laborers')
    op.drop_table('user_regions')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_village_id'))

    op.drop_table('households')
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employers_region_id'))
        batch_op.drop_index(batch_op.f('ix_employers_name'))
        batch_op.drop_index(batch_op.f('ix_employers_county_id'))

    op.drop_table('employers')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regions_parent_id'))

    op.drop_table('regions')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_at'))
        batch_op.drop_index('ix_audit_events_entity')

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
