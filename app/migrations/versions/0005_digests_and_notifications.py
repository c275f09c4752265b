"""managers' digest settings, mailings (digests and alert notifications), report indexes, inline images

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('digest_at', sa.String(length=5), server_default='08:00', nullable=False))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inline_images', sa.JSON(), nullable=True))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_tickets_done_at', ['done_at'], unique=False)

    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_kind_at', ['kind', 'at'], unique=False)

    op.create_table('mailings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=100), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['ticket_events.id'], name=op.f('fk_mailings_event_id_ticket_events')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_mailings_outbox_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailings')),
    sa.UniqueConstraint('event_id', name=op.f('uq_mailings_event_id')),
    sa.UniqueConstraint('key', name=op.f('uq_mailings_key'))
    )
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.create_index('ix_mailings_state_lease_until', ['state', 'lease_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.drop_index('ix_mailings_state_lease_until')
    op.drop_table('mailings')

    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_kind_at')

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_done_at')
        batch_op.drop_index('ix_tickets_created_at')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('inline_images')

    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_column('digest_at')
        batch_op.drop_column('digest')
