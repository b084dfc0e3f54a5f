"""notes translated by the room: one current translation per (note, language)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'note_translation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('note_id', sa.Integer(), nullable=False),
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('translator_id', sa.Integer(), nullable=True),
        sa.Column('anonymous', sa.Boolean(), nullable=False),
        sa.Column('note_version', sa.Integer(), nullable=False),
        sa.Column('outdated', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['board_id'], ['board.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['note_id'], ['note.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['translator_id'], ['participant.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('note_id', 'lang'),
    )
    with op.batch_alter_table('note_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_translation_board_id'), ['board_id'], unique=False)


def downgrade():
    with op.batch_alter_table('note_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_translation_board_id'))
    op.drop_table('note_translation')
