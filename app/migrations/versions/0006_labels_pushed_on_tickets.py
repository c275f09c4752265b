"""labels pushed on tickets: the Linedesk label names of the ticket's last push to Gmail

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 05:55:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('labels_pushed', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('labels_pushed')
