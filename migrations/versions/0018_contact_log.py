"""contact log: each call or visit a cadre made to a household or laborer

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contacts',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('laborer_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('contacted_on', sa.Date(), nullable=False),
    sa.Column('method', sa.Enum('phone', 'visit', 'other', name='contact_method', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contacts_created_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_contacts_household_id_households')),
    sa.ForeignKeyConstraint(['laborer_id'], ['laborers.id'], name=op.f('fk_contacts_laborer_id_laborers')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_contacts_updated_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contacts_user_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['regions.id'], name=op.f('fk_contacts_village_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_household_day', ['household_id', 'contacted_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_laborer_id'), ['laborer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_village_id'), ['village_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_village_id'))
        batch_op.drop_index(batch_op.f('ix_contacts_user_id'))
        batch_op.drop_index(batch_op.f('ix_contacts_laborer_id'))
        batch_op.drop_index(batch_op.f('ix_contacts_household_id'))
        batch_op.drop_index('ix_contacts_household_day')

    op.drop_table('contacts')
