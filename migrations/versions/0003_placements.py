"""placements: one open referral per laborer and opening, one full-time job at a time, subsidy claims

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 12:11:04.967884

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subsidy_claims',
    sa.Column('laborer_id', sa.Integer(), nullable=False),
    sa.Column('employment_id', sa.Integer(), nullable=False),
    sa.Column('rule_code', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('payee', sa.Enum('employer', 'laborer', name='subsidypayee', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('claimed_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_subsidy_claims_created_by_id_users')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_subsidy_claims_employer_id_employers')),
    sa.ForeignKeyConstraint(['employment_id'], ['employments.id'], name=op.f('fk_subsidy_claims_employment_id_employments')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_subsidy_claims_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_subsidy_claims_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsidy_claims')),
    sa.UniqueConstraint('laborer_id', 'rule_code', name=op.f('uq_subsidy_claims_laborer_id'))
    )
    with op.batch_alter_table('subsidy_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subsidy_claims_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subsidy_claims_employment_id'), ['employment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subsidy_claims_laborer_id'), ['laborer_id'], unique=False)

    with op.batch_alter_table('employments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('site_name', sa.String(length=128), nullable=True))
        batch_op.create_index('uq_employments_open_full_time', ['laborer_id'], unique=True, postgresql_where=sa.text('end_date IS NULL AND full_time'), sqlite_where=sa.text('end_date IS NULL AND full_time'))

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('uq_referrals_open_pair', ['laborer_id', 'opening_id'], unique=True, postgresql_where=sa.text("state IN ('recommended', 'referred', 'interviewed', 'hired')"), sqlite_where=sa.text("state IN ('recommended', 'referred', 'interviewed', 'hired')"))



def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('uq_referrals_open_pair', postgresql_where=sa.text("state IN ('recommended', 'referred', 'interviewed', 'hired')"), sqlite_where=sa.text("state IN ('recommended', 'referred', 'interviewed', 'hired')"))

    with op.batch_alter_table('employments', schema=None) as batch_op:
        batch_op.drop_index('uq_employments_open_full_time', postgresql_where=sa.text('end_date IS NULL AND full_time'), sqlite_where=sa.text('end_date IS NULL AND full_time'))
        batch_op.drop_column('site_name')
        batch_op.drop_column('end_note')

    with op.batch_alter_table('subsidy_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subsidy_claims_laborer_id'))
        batch_op.drop_index(batch_op.f('ix_subsidy_claims_employment_id'))
        batch_op.drop_index(batch_op.f('ix_subsidy_claims_employer_id'))

    op.drop_table('subsidy_claims')
