"""initial schema: directory, tickets, audit trail, feedback

The audit trail (ticket_events) and feedback are insert-only: triggers make the database itself refuse an
UPDATE or DELETE, so a rating can never be changed, not by a manager, not by hand in SQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:54:59.549124
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('agent', 'manager', 'admin', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
    sa.UniqueConstraint('email', name=op.f('uq_agents_email'))
    )
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('name', name=op.f('uq_categories_name'))
    )
    op.create_table('counters',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counters'))
    )
    op.create_table('helpdesk_settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_helpdesk_settings'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_api_tokens_agent_id_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_agent_id'), ['agent_id'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('contract', sa.String(length=100), nullable=True),
    sa.Column('company', sa.String(length=300), nullable=True),
    sa.Column('vip', sa.Boolean(), nullable=False),
    sa.Column('personal_manager_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['personal_manager_id'], ['agents.id'], name=op.f('fk_customers_personal_manager_id_agents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('contract', name=op.f('uq_customers_contract'))
    )
    op.create_table('lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('support', 'development', 'commercial', 'vip', 'task', name='line_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=True),
    sa.Column('claim_within_s', sa.Integer(), nullable=False),
    sa.Column('start_within_s', sa.Integer(), nullable=False),
    sa.Column('assign_strategy', sa.Enum('random', 'least_busy', name='assign_strategy', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['head_id'], ['agents.id'], name=op.f('fk_lines_head_id_agents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lines')),
    sa.UniqueConstraint('name', name=op.f('uq_lines_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_lines_slug'))
    )
    op.create_table('customer_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_emails_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_emails')),
    sa.UniqueConstraint('email', name=op.f('uq_customer_emails_email'))
    )
    with op.batch_alter_table('customer_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_emails_customer_id'), ['customer_id'], unique=False)

    op.create_table('customer_phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_phones_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_phones')),
    sa.UniqueConstraint('phone', name=op.f('uq_customer_phones_phone'))
    )
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_phones_customer_id'), ['customer_id'], unique=False)

    op.create_table('line_members',
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_line_members_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['lines.id'], name=op.f('fk_line_members_line_id_lines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('line_id', 'agent_id', name=op.f('pk_line_members'))
    )
    op.create_table('mailboxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('default_line_id', sa.Integer(), nullable=True),
    sa.Column('join_active_ticket', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['default_line_id'], ['lines.id'], name=op.f('fk_mailboxes_default_line_id_lines'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailboxes')),
    sa.UniqueConstraint('address', name=op.f('uq_mailboxes_address'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=998), nullable=False),
    sa.Column('channel', sa.Enum('email', 'chat', 'telegram', 'web_form', 'phone', 'task', name='channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('mailbox_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('new', 'assigned', 'in_progress', 'waiting', 'done', 'completed', 'reopened', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='priority', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('flag_ignored', sa.Boolean(), nullable=False),
    sa.Column('flag_development', sa.Boolean(), nullable=False),
    sa.Column('flag_phantom', sa.Boolean(), nullable=False),
    sa.Column('flag_overdue', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('line_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('follow_up_of_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['agents.id'], name=op.f('fk_tickets_assignee_id_agents')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_tickets_category_id_categories')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tickets_customer_id_customers')),
    sa.ForeignKeyConstraint(['follow_up_of_id'], ['tickets.id'], name=op.f('fk_tickets_follow_up_of_id_tickets')),
    sa.ForeignKeyConstraint(['line_id'], ['lines.id'], name=op.f('fk_tickets_line_id_lines')),
    sa.ForeignKeyConstraint(['mailbox_id'], ['mailboxes.id'], name=op.f('fk_tickets_mailbox_id_mailboxes')),
    sa.ForeignKeyConstraint(['parent_id'], ['tickets.id'], name=op.f('fk_tickets_parent_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_assignee_status', ['assignee_id', 'status'], unique=False)
        batch_op.create_index('ix_tickets_customer_status', ['customer_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_follow_up_of_id'), ['follow_up_of_id'], unique=False)
        batch_op.create_index('ix_tickets_line_status', ['line_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_parent_id'), ['parent_id'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Enum('satisfied', 'not_satisfied', 'not_submitted', name='rating', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_feedback_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_feedback_ticket_id'))
    )
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('in', 'out', name='direction', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('channel', sa.Enum('email', 'chat', 'telegram', 'web_form', 'phone', 'task', name='channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('author_agent_id', sa.Integer(), nullable=True),
    sa.Column('author_customer_id', sa.Integer(), nullable=True),
    sa.Column('from_address', sa.String(length=320), nullable=True),
    sa.Column('subject', sa.String(length=998), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('mailbox_id', sa.Integer(), nullable=True),
    sa.Column('provider_message_id', sa.String(length=128), nullable=True),
    sa.Column('provider_thread_id', sa.String(length=128), nullable=True),
    sa.Column('rfc822_message_id', sa.String(length=998), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_agent_id'], ['agents.id'], name=op.f('fk_messages_author_agent_id_agents')),
    sa.ForeignKeyConstraint(['author_customer_id'], ['customers.id'], name=op.f('fk_messages_author_customer_id_customers')),
    sa.ForeignKeyConstraint(['mailbox_id'], ['mailboxes.id'], name=op.f('fk_messages_mailbox_id_mailboxes')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_messages_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('mailbox_id', 'provider_message_id', name=op.f('uq_messages_mailbox_id_provider_message_id'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['agents.id'], name=op.f('fk_notes_author_id_agents')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_notes_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('from_value', sa.String(length=300), nullable=True),
    sa.Column('to_value', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('via', sa.String(length=50), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['agents.id'], name=op.f('fk_ticket_events_actor_id_agents')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_events_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('mailbox_id', sa.Integer(), nullable=False),
    sa.Column('provider_thread_id', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['mailbox_id'], ['mailboxes.id'], name=op.f('fk_ticket_threads_mailbox_id_mailboxes')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_threads_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_threads')),
    sa.UniqueConstraint('mailbox_id', 'provider_thread_id', name=op.f('uq_ticket_threads_mailbox_id_provider_thread_id'))
    )
    with op.batch_alter_table('ticket_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_threads_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_watchers',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_ticket_watchers_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_watchers_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'agent_id', name=op.f('pk_ticket_watchers'))
    )
    _create_insert_only_guards()
    op.bulk_insert(sa.table('counters', sa.column('name', sa.String), sa.column('value', sa.Integer)),
                   [{'name': 'ticket_number', 'value': 1000}])


def downgrade() -> None:
    _drop_insert_only_guards()
    op.drop_table('ticket_watchers')
    with op.batch_alter_table('ticket_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_threads_ticket_id'))

    op.drop_table('ticket_threads')
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_events_kind'))

    op.drop_table('ticket_events')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_ticket_id'))

    op.drop_table('notes')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_ticket_id'))

    op.drop_table('messages')
    op.drop_table('feedback')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_parent_id'))
        batch_op.drop_index('ix_tickets_line_status')
        batch_op.drop_index(batch_op.f('ix_tickets_follow_up_of_id'))
        batch_op.drop_index('ix_tickets_customer_status')
        batch_op.drop_index('ix_tickets_assignee_status')

    op.drop_table('tickets')
    op.drop_table('mailboxes')
    op.drop_table('line_members')
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_phones_customer_id'))

    op.drop_table('customer_phones')
    with op.batch_alter_table('customer_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_emails_customer_id'))

    op.drop_table('customer_emails')
    op.drop_table('lines')
    op.drop_table('customers')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_agent_id'))

    op.drop_table('api_tokens')
    op.drop_table('helpdesk_settings')
    op.drop_table('counters')
    op.drop_table('categories')
    op.drop_table('agents')


INSERT_ONLY_TABLES = ("feedback", "ticket_events")


def _create_insert_only_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION linedesk_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is insert-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$
            """
        )
        for table in INSERT_ONLY_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION linedesk_refuse_change()"
            )
        return
    for table in INSERT_ONLY_TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: {action} refused'); END"
            )


def _drop_insert_only_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in INSERT_ONLY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS linedesk_refuse_change()")
        return
    for table in INSERT_ONLY_TABLES:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
