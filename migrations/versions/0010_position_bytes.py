"""fractional positions sort by bytes on every database: COLLATE "C" on PostgreSQL

SQLite compares text by bytes already (BINARY); PostgreSQL's default collation follows the
locale (en_US.UTF-8 puts "a" < "B" < "b"), which would shuffle fractional keys
(roadmap/boards/positions.py). The index on (lane_id, position) is rebuilt with the column.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite: BINARY already
    op.alter_column('note', 'position', type_=sa.String(64, collation='C'),
                    existing_type=sa.String(64), existing_nullable=False)
    op.execute('REINDEX INDEX ix_note_lane_position')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.alter_column('note', 'position', type_=sa.String(64),
                    existing_type=sa.String(64, collation='C'), existing_nullable=False)
