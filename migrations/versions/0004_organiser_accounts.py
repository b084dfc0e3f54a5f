"""organiser accounts own event identities

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-23 15:37:04.961118

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organiser_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_participant_organiser_id'), ['organiser_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_participant_organiser_id', 'organiser', ['organiser_id'], ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_constraint('fk_participant_organiser_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_participant_organiser_id'))
        batch_op.drop_column('organiser_id')
