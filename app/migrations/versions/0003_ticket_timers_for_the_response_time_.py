"""ticket timers for the response-time rules, line business hours

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:50:40.206301
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('basis', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fired_by', sa.String(length=100), nullable=True),
    sa.Column('outcome', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_timers_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_timers')),
    sa.UniqueConstraint('ticket_id', 'rule', 'basis', name=op.f('uq_ticket_timers_ticket_id_rule_basis'))
    )
    with op.batch_alter_table('ticket_timers', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_timers_state_due_at', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_timers_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.drop_column('calendar')

    with op.batch_alter_table('ticket_timers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_timers_ticket_id'))
        batch_op.drop_index('ix_ticket_timers_state_due_at')

    op.drop_table('ticket_timers')
