"""subsidy due candidates: the employments that make a claim due, worked out ahead of the lists

A province's administrator's list of due subsidies joined every job in the date window with its laborer,
household, village, employer and post on each view (0.65-1.2 s). The rows kept here carry what those joins
gave; placements.duetable refreshes the rows of laborers whose data changed.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subsidy_due_candidates',
    sa.Column('rule_code', sa.String(length=32), nullable=False),
    sa.Column('employment_id', sa.Integer(), nullable=False),
    sa.Column('laborer_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('home_code', sa.String(length=12), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('lapses_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['employment_id'], ['employments.id'], name=op.f('fk_subsidy_due_candidates_employment_id_employments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rule_code', 'employment_id', name=op.f('pk_subsidy_due_candidates'))
    )
    op.create_index('ix_subsidy_due_candidates_employment_id', 'subsidy_due_candidates', ['employment_id'], unique=False)
    op.create_index('ix_subsidy_due_candidates_laborer_id', 'subsidy_due_candidates', ['laborer_id'], unique=False)
    op.create_index('ix_subsidy_due_candidates_village_id', 'subsidy_due_candidates', ['village_id'], unique=False)
    op.create_index('ix_subsidy_due_candidates_rule_code_start_date', 'subsidy_due_candidates', ['rule_code', 'start_date'], unique=False)
    op.create_table('subsidy_due_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rules_key', sa.String(length=64), nullable=False),
    sa.Column('watermark', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsidy_due_state'))
    )
    op.create_index('ix_employers_updated_at', 'employers', ['updated_at'], unique=False)
    op.create_index('ix_regions_updated_at', 'regions', ['updated_at'], unique=False)


def downgrade():
    op.drop_index('ix_regions_updated_at', table_name='regions')
    op.drop_index('ix_employers_updated_at', table_name='employers')
    op.drop_table('subsidy_due_state')
    op.drop_table('subsidy_due_candidates')
