"""follow-up: owner links, commitment history, mail queue; signposts turned into commitments

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.add_column(sa.Column("turned_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status_value", sa.Double(), nullable=True))
        batch_op.add_column(
            sa.Column("contact_email", sa.String(length=254), nullable=False, server_default="")
        )
        batch_op.create_foreign_key("fk_note_turned_into_id", "note", ["turned_into_id"], ["id"])
    op.create_table(
        "follow_up_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["note_id"], ["note.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["participant.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("follow_up_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_link_note_id"), ["note_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_follow_up_link_token_hash"), ["token_hash"], unique=True
        )
    op.create_table(
        "commitment_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(["note_id"], ["note.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["participant.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commitment_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_update_note_id"), ["note_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_commitment_update_board_id"), ["board_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_commitment_update_at"), ["at"], unique=False)
    op.create_table(
        "mail_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("send_after", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["note_id"], ["note.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["link_id"], ["follow_up_link.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("mail_out", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_out_note_id"), ["note_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_out_send_after"), ["send_after"], unique=False)
    # "planned" is now "not_started".
    op.execute("UPDATE note SET status = 'not_started' WHERE status = 'planned'")


def downgrade():
    op.execute("UPDATE note SET status = 'planned' WHERE status = 'not_started'")
    op.drop_table("mail_out")
    op.drop_table("commitment_update")
    op.drop_table("follow_up_link")
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.drop_constraint("fk_note_turned_into_id", type_="foreignkey")
        batch_op.drop_column("contact_email")
        batch_op.drop_column("status_value")
        batch_op.drop_column("turned_into_id")
