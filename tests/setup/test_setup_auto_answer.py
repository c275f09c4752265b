"""Automatic answers per line in the setup file: `auto_answer` (off by default) and `auto_answer_threshold`
(0 < t ≤ 1, default 0.75) — read, checked with key paths, applied to the line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Line
from app.setup_file import SetupInvalid, parse_setup
from tests.setup.conftest import SMALL

ON = SMALL.replace('name = "2nd line"\n', 'name = "2nd line"\nauto_answer = true\nauto_answer_threshold = 0.6\n')


def test_off_by_default_and_on_where_the_file_says():
    spec = parse_setup(ON)
    assert (spec.lines[0].auto_answer, spec.lines[0].auto_answer_threshold) == (False, 0.75)
    assert (spec.lines[1].auto_answer, spec.lines[1].auto_answer_threshold) == (True, 0.6)


@pytest.mark.parametrize("bad", ["0", "1.5", '"high"', "true"])
def test_a_threshold_outside_0_to_1_is_refused_with_its_key_path(bad):
    with pytest.raises(SetupInvalid) as caught:
        parse_setup(ON.replace("auto_answer_threshold = 0.6", f"auto_answer_threshold = {bad}"))
    assert any(p.path == "lines[1].auto_answer_threshold" for p in caught.value.problems)


def test_apply_sets_the_line(session, apply_text):
    apply_text(ON)
    l2 = session.scalar(select(Line).where(Line.slug == "l2"))
    assert (l2.auto_answer, l2.auto_answer_threshold) == (True, 0.6)
    assert not apply_text(ON).changed
