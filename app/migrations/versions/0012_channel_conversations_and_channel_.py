"""channel conversations and channel messages: non-email dialogues, their Gmail mirror and their deliveries

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 06:35:18.733879
"""

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('adapter', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('mailbox_id', sa.Integer(), nullable=False),
    sa.Column('gmail_thread_id', sa.String(length=128), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('reply_email', sa.String(length=320), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mailbox_id'], ['mailboxes.id'], name=op.f('fk_channel_conversations_mailbox_id_mailboxes')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                            name=op.f('fk_channel_conversations_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_conversations')),
    sa.UniqueConstraint('adapter', 'external_id', name=op.f('uq_channel_conversations_adapter_external_id'))
    )
    with op.batch_alter_table('channel_conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_conversations_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('channel_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('gmail_message_id', sa.String(length=128), nullable=True),
    sa.Column('mirror_attempts', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['channel_conversations.id'],
                            name=op.f('fk_channel_messages_conversation_id_channel_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'],
                            name=op.f('fk_channel_messages_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_channel_messages_message_id'))
    )
    with op.batch_alter_table('channel_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_messages_conversation_id'), ['conversation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('channel_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_messages_conversation_id'))

    op.drop_table('channel_messages')
    with op.batch_alter_table('channel_conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_conversations_ticket_id'))

    op.drop_table('channel_conversations')
