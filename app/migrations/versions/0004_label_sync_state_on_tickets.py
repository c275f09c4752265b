"""label sync state on tickets

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:32:59.837474
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('labels_synced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_tickets_labels_due', ['mailbox_id', 'labels_synced_at', 'updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_labels_due')
        batch_op.drop_column('labels_synced_at')

