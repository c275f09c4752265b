"""KB search on SQLite: the language in the FTS5 index itself, and only published articles in it

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 06:30:00.000000

Why: with the language only on kb_articles, every search joined all its matches to filter them — on 10,000
articles half of the time of a search (benchmarks/kb.py). Now `kb_articles_fts` has a `lang` column
("en"/"ru", matched as `lang : en AND (…)`, weight 0 in bm25) and holds published articles only, so FTS5 ranks
and limits by itself and the join touches the few rows returned. The table is rebuilt from kb_articles with the
same stems app.kb.service writes (app.kb.text). PostgreSQL is unchanged: its GIN index already does this.
Autogenerate ignores the table (app/kb/schema.py).
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CREATE = ("CREATE VIRTUAL TABLE kb_articles_fts USING fts5(title, tags, body{lang}, "
          "tokenize = 'unicode61 remove_diacritics 2')")


def _rebuild(with_lang: bool) -> None:
    from app.kb.text import stem_line

    bind = op.get_bind()
    op.execute("DROP TABLE kb_articles_fts")
    op.execute(CREATE.format(lang=", lang" if with_lang else ""))
    query = "SELECT id, lang, title, tags, body FROM kb_articles" + (" WHERE published" if with_lang else "")
    for row in bind.execute(sa.text(query)).all():
        values = {"id": row.id, "title": stem_line(row.title, row.lang), "tags": stem_line(row.tags, row.lang),
                  "body": stem_line(row.body, row.lang), "lang": row.lang}
        columns = "rowid, title, tags, body" + (", lang" if with_lang else "")
        names = ":id, :title, :tags, :body" + (", :lang" if with_lang else "")
        bind.execute(sa.text(f"INSERT INTO kb_articles_fts ({columns}) VALUES ({names})"), values)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild(with_lang=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild(with_lang=False)
