"""KB fixtures: the CoolXost desk and a writer of articles through app.kb.service (which keeps the index)."""

from __future__ import annotations

import pytest

from app.kb import service
from tests.desk.conftest import app, make_ticket, signed_in  # noqa: F401  (fixtures of the web tests)
from tests.factories import make_desk


@pytest.fixture
def desk(Session):
    with Session() as session:
        desk = make_desk(session)
        session.commit()
        return desk


@pytest.fixture
def write(Session, clock, desk):
    def make(title: str, body: str, lang: str = "en", **fields) -> int:
        with Session() as session:
            agent = session.get(type(desk.kristina), desk.kristina.id)
            article = service.save(session, clock.now(), agent, service.Draft(title=title, body=body, lang=lang, **fields))
            session.commit()
            return article.id
    return make
