"""knowledge base articles with their full-text index; automatic answers per line

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:40:00.000000

The full-text index is made here by hand, per backend, and autogenerate must ignore it (app/kb/schema.py):
- SQLite: an FTS5 virtual table `kb_articles_fts` (title, tags, body) holding the *stems* of each article
  (app.kb.text: Snowball in Python, since FTS5 cannot stem Russian), its rowid the article id, kept by
  app.kb.service in the same transaction as the article;
- PostgreSQL: a generated column `search_vector` — title weight A, tags B, body C, with the 'russian' or
  'english' configuration by the article's language — and a GIN index on it; the database keeps it.
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PG_VECTOR = """
ALTER TABLE kb_articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    CASE WHEN lang = 'ru' THEN
        setweight(to_tsvector('russian'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('russian'::regconfig, coalesce(tags, '')), 'B') ||
        setweight(to_tsvector('russian'::regconfig, coalesce(body, '')), 'C')
    ELSE
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english'::regconfig, coalesce(tags, '')), 'B') ||
        setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')
    END) STORED
"""


def upgrade() -> None:
    op.create_table('kb_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('tags', sa.String(length=500), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('review_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('helpful_yes', sa.Integer(), nullable=False),
    sa.Column('helpful_no', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['agents.id'], name=op.f('fk_kb_articles_owner_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['agents.id'], name=op.f('fk_kb_articles_updated_by_id_agents'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles')),
    sa.UniqueConstraint('lang', 'slug', name=op.f('uq_kb_articles_lang_slug'))
    )
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index('ix_kb_articles_owner_review', ['owner_id', 'review_at'], unique=False)
    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_answer', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('auto_answer_threshold', sa.Float(), server_default='0.75', nullable=False))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE kb_articles_fts USING fts5(title, tags, body, "
                   "tokenize = 'unicode61 remove_diacritics 2')")
    else:
        op.execute(PG_VECTOR)
        op.execute("CREATE INDEX ix_kb_articles_search_vector ON kb_articles USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE kb_articles_fts")
    with op.batch_alter_table('lines', schema=None) as batch_op:
        batch_op.drop_column('auto_answer_threshold')
        batch_op.drop_column('auto_answer')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_articles_owner_review')
    op.drop_table('kb_articles')
