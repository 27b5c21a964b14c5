"""openings by status and deadline: the open posts past their deadline without reading every open post

The bureau's home counts and lists them; for a province's administrator that read 218,000 open posts
twice (30 ms each).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 13:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_openings_status_deadline', 'openings', ['status', 'deadline'], unique=False)


def downgrade():
    op.drop_index('ix_openings_status_deadline', table_name='openings')
