"""`setup apply`: the database matches the file, a second apply is a no-op, nothing is ever deleted."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Agent, Category, HelpdeskSetting, Line, Mailbox, Role
from tests.setup.conftest import EXAMPLE, SMALL


def line(session, slug: str) -> Line:
    return session.scalar(select(Line).where(Line.slug == slug))


def agent(session, email: str) -> Agent:
    return session.scalar(select(Agent).where(Agent.email == email))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_example_applies_cleanly_and_a_second_apply_changes_nothing(session, apply_text, example_text):
    first = apply_text(example_text)
    second = apply_text(example_text)

    assert first.changed and first.tallies["lines"].created == 7 and first.tallies["agents"].created == 10
    assert not second.changed
    assert second.tallies["lines"].unchanged == 7 and second.tallies["agents"].unchanged == 10
    l1 = line(session, "l1")
    assert l1.head.email == "anna@coolxost.com"
    assert sorted(m.email for m in l1.members) == ["kristina@coolxost.com", "lisa@coolxost.com"]
    assert sorted(m.email for m in line(session, "l2").members) == ["bob@coolxost.com", "pavel@coolxost.com"]
    assert line(session, "wishes").name == "Wishes and suggestions"
    assert line(session, "devtasks").name == "Developer tasks"
    assert session.scalar(select(Mailbox)).default_line.slug == "l1"
    assert session.scalar(select(Category).where(Category.name == "No connectivity")).urgent
    assert session.get(HelpdeskSetting, "first_response").value["email"] == 3600
    assert session.get(HelpdeskSetting, "first_response").value["chat"] == 120
    assert session.get(HelpdeskSetting, "phone_region").value == "RU"
    assert agent(session, "anna@coolxost.com").role is Role.MANAGER


def test_the_cli_applies_twice_and_says_the_second_time_changed_nothing(cli, session):
    first = cli("setup", "apply", EXAMPLE)
    second = cli("setup", "apply", EXAMPLE)

    assert first.exit_code == 0, first.output
    assert "lines       7 created" in first.stdout and f"applied {EXAMPLE}" in first.stdout
    assert second.exit_code == 0
    assert "no changes" in second.stdout and "7 unchanged" in second.stdout
    assert count(session, Line) == 7


def test_an_invalid_file_exits_non_zero_prints_every_problem_and_writes_nothing(cli, session, tmp_path, example_text):
    bad = tmp_path / "bad.toml"
    bad.write_text(example_text.replace('timezone = "Europe/Moscow"', 'timezone = "Moscow"')
                   .replace('claim_within = "5m"', 'claim_within = "5 min"'), encoding="utf-8")

    result = cli("setup", "apply", bad)

    assert result.exit_code == 1
    assert f"{bad}:14: helpdesk.timezone:" in result.stderr
    assert f"{bad}:106: lines[1].claim_within:" in result.stderr
    assert "2 problem(s); nothing was written" in result.stderr
    assert count(session, Agent) == 0 and count(session, Line) == 0 and count(session, HelpdeskSetting) == 0


def test_check_shows_the_changes_but_writes_nothing(cli, session):
    result = cli("setup", "check", EXAMPLE)

    assert result.exit_code == 0, result.output
    assert "would make the changes" in result.stdout and "agents      10 created" in result.stdout
    assert count(session, Agent) == 0


def test_an_agent_or_line_dropped_from_the_file_is_deactivated_not_deleted(session, apply_text, example_text):
    apply_text(example_text)
    without = _drop_block(example_text.replace('    "pavel@coolxost.com",\n', "")
                          .replace('slug = "vip"\nname = "VIP"', 'slug = "vip-gone"\nname = "VIP"'),
                          'email = "pavel@coolxost.com"')

    summary = apply_text(without)

    assert summary.tallies["agents"].deactivated == 1 and summary.tallies["lines"].deactivated == 1
    session.expire_all()
    assert agent(session, "pavel@coolxost.com").active is False
    assert [m.email for m in line(session, "l2").members] == ["bob@coolxost.com"]
    assert line(session, "vip").active is False and line(session, "vip").name == "VIP (retired vip)"
    assert line(session, "vip-gone").name == "VIP"
    assert not apply_text(without).changed

    apply_text(example_text)  # listed again: back, and the file's names win
    session.expire_all()
    assert agent(session, "pavel@coolxost.com").active is True and line(session, "vip").active is True
    assert line(session, "vip").name == "VIP" and line(session, "vip-gone").active is False


def test_renames_and_membership_changes_are_updates(session, apply_text):
    apply_text(SMALL)
    swapped = (SMALL.replace('name = "1st line"', 'name = "TMP"').replace('name = "2nd line"', 'name = "1st line"')
               .replace('name = "TMP"', 'name = "2nd line"')
               .replace('  "kris@example.com",\n', '  "anna@example.com",\n'))

    summary = apply_text(swapped)

    assert summary.tallies["lines"].updated == 2
    session.expire_all()
    assert line(session, "l1").name == "2nd line" and line(session, "l2").name == "1st line"
    assert [m.email for m in line(session, "l1").members] == ["anna@example.com"]
    assert agent(session, "kris@example.com").active is True  # still in [[agents]]: only left the line


def test_on_duty_is_left_alone_unless_the_file_sets_it(session, apply_text):
    apply_text(SMALL)
    agent(session, "kris@example.com").on_duty = False
    session.commit()

    assert not apply_text(SMALL).changed
    assert agent(session, "kris@example.com").on_duty is False
    apply_text(SMALL.replace('name = "Kris"', 'name = "Kris"\non_duty = true'))
    assert agent(session, "kris@example.com").on_duty is True


def test_a_line_may_reference_an_agent_that_exists_only_in_the_database(session, apply_text):
    session.add(Agent(email="boss@example.com", name="Boss", role=Role.ADMIN))
    session.commit()

    apply_text(SMALL.replace('head = "anna@example.com"', 'head = "boss@example.com"'))

    assert line(session, "l1").head.email == "boss@example.com"
    assert agent(session, "boss@example.com").active is True


def test_settings_the_file_drops_are_removed(session, apply_text):
    apply_text(SMALL)
    assert session.get(HelpdeskSetting, "phone_region").value == "RU"

    apply_text(SMALL.replace('phone_region = "RU"\n', ""))

    assert session.get(HelpdeskSetting, "phone_region") is None
    assert session.get(HelpdeskSetting, "timezone").value == "Europe/Moscow"


def _drop_block(text: str, marker: str) -> str:
    """Remove the [[...]] table containing `marker`, up to the next blank line."""
    start = text.rindex("[[", 0, text.index(marker))
    end = text.index("\n\n", start) + 2
    return text[:start] + text[end:]
