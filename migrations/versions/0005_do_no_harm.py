"""do no harm: redaction, retention and purge

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('retention_days', sa.Integer(), nullable=False, server_default='90')
        )
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('purge_counts', sa.JSON(), nullable=True))
    # Events made before retention existed are never purged automatically (their organisers
    # never saw a retention period): 0 = purge by hand only. New events default to 90 days.
    op.execute("UPDATE event SET retention_days = 0")


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('purge_counts')
        batch_op.drop_column('purged_at')
        batch_op.drop_column('retention_days')
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_column('redacted_at')
