"""report indexes: ratings by when they were given (the per-agent ratings of a report period)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:15:00.000000
"""

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_feedback_created_at', 'feedback', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_feedback_created_at', table_name='feedback')
