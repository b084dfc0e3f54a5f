"""run the room: bring everyone, hidden vote results, several dots per note, ready check;
clustered notes live in their cluster's lane

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None

# SQLite reflects the vote table's unique constraint without a name: this names it.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade():
    # Plain ADD COLUMN, not a batch: re-creating the board table on SQLite would cascade-delete
    # its op log, notes and votes.
    op.add_column('board', sa.Column('vote_results_hidden', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('board', sa.Column('vote_max_per_note', sa.Integer(), nullable=False, server_default='1'))
    op.add_column('board', sa.Column('vote_ready', sa.JSON(), nullable=True))
    op.add_column('board', sa.Column('bring_lane_id', sa.Integer(), nullable=True))
    op.add_column('board', sa.Column('bring_note_id', sa.Integer(), nullable=True))
    op.add_column('board', sa.Column('bring_at', sa.DateTime(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        with op.batch_alter_table('vote', schema=None, naming_convention=NAMING) as batch_op:
            batch_op.drop_constraint('uq_vote_note_id', type_='unique')
    else:
        op.drop_constraint('vote_note_id_participant_id_key', 'vote', type_='unique')
    # One rule for where a cluster lives: its notes are in the cluster's lane.
    op.execute(
        "UPDATE note SET lane_id = (SELECT c.lane_id FROM note AS c WHERE c.id = note.cluster_id) "
        "WHERE cluster_id IS NOT NULL"
    )


def downgrade():
    op.execute(
        "DELETE FROM vote WHERE id NOT IN (SELECT min(id) FROM vote GROUP BY note_id, participant_id)"
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_vote_note_id', ['note_id', 'participant_id'])
    with op.batch_alter_table('board', schema=None) as batch_op:
        batch_op.drop_column('bring_at')
        batch_op.drop_column('bring_note_id')
        batch_op.drop_column('bring_lane_id')
        batch_op.drop_column('vote_ready')
        batch_op.drop_column('vote_max_per_note')
        batch_op.drop_column('vote_results_hidden')
