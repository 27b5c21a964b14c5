"""opening codes: the post code (岗位编号) rosters key openings by

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 16:30:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _new_code(taken: set) -> str:
    # The same shape as jobmatch.posts.service.new_opening_code: GW and 10 upper-case hex digits.
    while True:
        code = f"GW{secrets.token_hex(5).upper()}"
        if code not in taken:
            taken.add(code)
            return code


def upgrade():
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=32), nullable=True))

    # Existing openings get a generated code each.
    conn = op.get_bind()
    openings = sa.table('openings', sa.column('id', sa.Integer), sa.column('code', sa.String))
    taken: set = set()
    ids = conn.execute(sa.select(openings.c.id).where(openings.c.code.is_(None))).scalars().all()
    for opening_id in ids:
        conn.execute(openings.update().where(openings.c.id == opening_id).values(code=_new_code(taken)))

    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_openings_code'), ['code'])


def downgrade():
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_openings_code'), type_='unique')
        batch_op.drop_column('code')
