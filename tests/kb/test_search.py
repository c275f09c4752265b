"""The ranking of `app.kb.search.search`, the same on SQLite FTS5 and PostgreSQL full-text: title matches above
body matches, only the asked language, stemming in English and Russian, unpublished and removed articles gone."""

from __future__ import annotations

from app.kb import service
from app.kb.search import search


def titles(session, query, lang="en", limit=10):
    return [hit.title for hit in search(session, query, lang, limit)]


def test_a_title_match_ranks_above_a_body_match(Session, write):
    write("Billing periods", "When you change your password the invoice stays the same.")
    write("Password reset", "Open the sign-in page and follow the link.")
    write("Mail quotas", "Each mailbox holds 10 GB.")
    with Session() as session:
        assert titles(session, "password") == ["Password reset", "Billing periods"]


def test_english_stemming_finds_resetting_for_reset(Session, write):
    write("Resetting your password", "Follow the link we send you.")
    write("DNS records", "Add an A record for the domain.")
    with Session() as session:
        assert titles(session, "how do I reset my passwords?") == ["Resetting your password"]
        assert titles(session, "resets") == ["Resetting your password"]


def test_russian_stemming_finds_parolya_for_parol(Session, write):
    write("Как сменить пароль", "Откройте страницу входа и нажмите «Забыли пароль?».", lang="ru")
    write("Настройка DNS", "Добавьте запись A для домена.", lang="ru")
    write("Password reset", "пароль in an English article", lang="en")
    with Session() as session:
        assert titles(session, "не помню пароля", "ru") == ["Как сменить пароль"]
        assert titles(session, "смена паролей", "ru") == ["Как сменить пароль"]
        assert titles(session, "домены", "ru") == ["Настройка DNS"]


def test_only_the_asked_language_and_published_articles(Session, write):
    write("Password reset", "Follow the link.", lang="en")
    write("Сброс пароля password", "Ссылка придёт на почту.", lang="ru")
    write("Password policy draft", "Not ready yet.", published=False)
    with Session() as session:
        assert titles(session, "password", "en") == ["Password reset"]
        assert titles(session, "password", "ru") == ["Сброс пароля password"]


def test_more_of_the_query_words_rank_higher_and_stop_words_find_nothing(Session, write):
    write("Backup of a site", "We keep backups of your site for 14 days.")
    write("Restore a site from a backup", "Choose the backup and press Restore; the site comes back.")
    with Session() as session:
        assert titles(session, "restore my site from backup")[0] == "Restore a site from a backup"
        assert titles(session, "the of and") == []
        assert titles(session, "") == []


def test_an_edited_article_is_found_by_its_new_words_and_a_removed_one_not_at_all(Session, write, clock, desk):
    article_id = write("Mail quotas", "Each mailbox holds 10 GB.")
    with Session() as session:
        agent = session.get(type(desk.anna), desk.anna.id)
        service.save(session, clock.now(), agent, service.Draft(title="Mailbox size", body="Each mailbox holds 25 GB."),
                     article_id)
        session.commit()
        assert titles(session, "quotas") == []
        assert titles(session, "mailbox size") == ["Mailbox size"]
        service.delete(session, agent, article_id)
        session.commit()
        assert titles(session, "mailbox") == []
