"""Reading and checking the setup file, without a database: every mistake with its key path and its line."""

from __future__ import annotations

import pytest

from app.models import AssignStrategy, LineKind, Role
from app.setup_file import SetupInvalid, parse_setup
from app.setup_locate import KeyLocator
from tests.setup.conftest import SMALL, line_of


def problems_of(text: str, known_agents=None):
    with pytest.raises(SetupInvalid) as caught:
        parse_setup(text, "desk.toml", known_agents)
    return caught.value.problems


def test_the_example_reads_into_typed_specs(example_text):
    spec = parse_setup(example_text, "coolxost.toml")

    lines = {line.slug: line for line in spec.lines}
    assert list(lines) == ["l1", "l2", "dev", "commercial", "vip", "wishes", "devtasks"]
    assert lines["l1"].members == ("kristina@coolxost.com", "lisa@coolxost.com")
    assert lines["l1"].head == "anna@coolxost.com" and lines["l1"].claim_within_s == 40
    assert lines["l1"].assign is AssignStrategy.LEAST_BUSY and lines["l2"].assign is AssignStrategy.RANDOM
    assert lines["l2"].members == ("bob@coolxost.com", "pavel@coolxost.com")
    assert lines["wishes"].name == "Wishes and suggestions" and lines["wishes"].kind is LineKind.TASK
    assert lines["devtasks"].name == "Developer tasks" and lines["devtasks"].kind is LineKind.TASK
    assert lines["dev"].kind is LineKind.DEVELOPMENT and lines["commercial"].kind is LineKind.COMMERCIAL
    assert spec.mailboxes[0].address == "support@coolxost.com" and spec.mailboxes[0].default_line == "l1"
    assert {a.email: a.role for a in spec.agents}["anna@coolxost.com"] is Role.MANAGER
    assert {c.name: c.urgent for c in spec.categories}["No connectivity"] is True
    assert spec.first_response is not None
    assert spec.first_response["email"] == 3600 and spec.first_response["chat"] == 120
    assert spec.settings()["timezone"] == "Europe/Moscow" and spec.settings()["phone_region"] == "RU"


def test_defaults_fill_what_the_file_leaves_out():
    spec = parse_setup(SMALL.replace('  "kris@example.com",\n', ""))
    l2 = spec.lines[1]
    assert (l2.kind, l2.claim_within_s, l2.start_within_s, l2.head, l2.members) == (LineKind.SUPPORT, 40, 900, None, ())
    assert spec.mailboxes[0].default_line == "l1"  # the first support line
    assert spec.mailboxes[0].join_active_ticket is True
    assert spec.agents[1].role is Role.AGENT and spec.agents[1].on_duty is None
    assert spec.helpdesk.label_prefix == "Helpdesk" and spec.resolution is None


# Each case breaks SMALL in one place (`old` -> `new`); the line marked "# HERE" is where it must be reported.
CASES = {
    "unknown key (typo)": ('members = [', 'memebers = [  # HERE', "lines[0].memebers", "did you mean 'members'"),
    "bad duration": ('name = "2nd line"', 'name = "2nd line"\nclaim_within = "40 secs"  # HERE',
                     "lines[1].claim_within", "is not a duration"),
    "zero duration": ('email = "1h"', 'email = "0s"  # HERE', "first_response.email", "longer than zero"),
    "bad time zone": ('timezone = "Europe/Moscow"', 'timezone = "Europe/Moskow"  # HERE',
                      "helpdesk.timezone", "not an IANA time zone"),
    "bad role": ('name = "Kris"', 'name = "Kris"\nrole = "boss"  # HERE', "agents[1].role", "agent | manager | admin"),
    "bad kind": ('name = "2nd line"', 'name = "2nd line"\nkind = "support-ish"  # HERE', "lines[1].kind", "task"),
    "bad assign": ('name = "2nd line"', 'name = "2nd line"\nassign = "round_robin"  # HERE', "lines[1].assign",
                   "least_busy"),
    "head is not an agent": ('head = "anna@example.com"', 'head = "ghost@example.com"  # HERE',
                             "lines[0].head", "not an agent"),
    "head is a plain agent": ('head = "anna@example.com"', 'head = "kris@example.com"  # HERE',
                              "lines[0].head", "manager or admin"),
    "member not an agent, in a multi-line array": ('  "kris@example.com",\n', '  "kris@example.com",\n'
                                                   '  "ghost@example.com",  # HERE\n',
                                                   "lines[0].members[1]", "not an agent"),
    "member twice": ('  "kris@example.com",\n', '  "kris@example.com",\n  "KRIS@example.com",  # HERE\n',
                     "lines[0].members[1]", "already used"),
    "duplicate slug": ('slug = "l2"', 'slug = "l1"  # HERE', "lines[1].slug", "already used by lines[0]"),
    "duplicate line name": ('name = "2nd line"', 'name = "1st Line"  # HERE', "lines[1].name", "already used"),
    "bad slug": ('slug = "l2"', 'slug = "Line 2"  # HERE', "lines[1].slug", "not a slug"),
    "unknown default line": ('address = "support@example.com"',
                             'address = "support@example.com"\ndefault_line = "l9"  # HERE',
                             "mailboxes[0].default_line", "no line with slug 'l9'"),
    "missing required key": ('[[agents]]\nemail = "kris@example.com"\nname = "Kris"\n',
                             '[[agents]]  # HERE\nemail = "kris@example.com"\n', "agents[1].name", "is required"),
    "wrong type": ('name = "Billing"', 'name = "Billing"\nurgent = "yes"  # HERE', "categories[0].urgent",
                   "true or false"),
    "unknown channel": ('email = "1h"', 'email = "1h"\nfax = "1d"  # HERE', "first_response.fax", "unknown key"),
    "bad agent email": ('[[lines]]\nslug = "l1"', '[[agents]]\nemail = "olga@example"  # HERE\nname = "Olga"\n\n'
                        '[[lines]]\nslug = "l1"', "agents[2].email", "not an email address"),
    "duplicate agent email": ('[[lines]]\nslug = "l1"', '[[agents]]\nemail = "Anna@Example.com"  # HERE\n'
                              'name = "Anna 2"\n\n[[lines]]\nslug = "l1"', "agents[2].email",
                              "already used by agents[0]"),
    "bad phone region": ('phone_region = "RU"', 'phone_region = "Russia"  # HERE', "helpdesk.phone_region",
                         "region code"),
    "table instead of array of tables": ('[[categories]]', '[categories]  # HERE', "categories",
                                         "array of tables"),
    "unknown section": ('[first_response]', '[first_responses]  # HERE', "first_responses",
                        "did you mean 'first_response'"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_mistake_is_reported_with_its_key_path_and_line(case):
    old, new, path, words = CASES[case]
    assert old in SMALL
    text = SMALL.replace(old, new, 1)

    problems = problems_of(text)

    assert [(p.path, p.line) for p in problems] == [(path, line_of(text, "# HERE"))]
    assert words in problems[0].message
    assert problems[0].render("desk.toml").startswith(f"desk.toml:{problems[0].line}: {path}: ")


def test_all_mistakes_are_reported_together_in_file_order():
    text = (SMALL.replace('timezone = "Europe/Moscow"', 'timezone = "Mars/Olympus"')
            .replace('members = [', 'memebers = [')
            .replace('name = "2nd line"', 'name = "2nd line"\nclaim_within = "soon"')
            .replace('name = "Billing"', 'name = "Billing"\nurgent = 1'))

    problems = problems_of(text)

    assert [p.path for p in problems] == [
        "helpdesk.timezone", "lines[0].memebers", "lines[1].claim_within", "categories[0].urgent",
    ]
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert problems[2].line == line_of(text, "soon")


def test_a_toml_syntax_error_has_the_line_tomllib_found():
    text = SMALL.replace('name = "Kris"', 'name = "Kris')

    problems = problems_of(text)

    assert len(problems) == 1
    assert problems[0].line == line_of(text, 'name = "Kris')
    assert problems[0].message.startswith("not valid TOML")


def test_the_helpdesk_table_is_required():
    problems = problems_of(SMALL.replace('[helpdesk]\nname = "Test desk"\ntimezone = "Europe/Moscow"\n'
                                         'phone_region = "RU"\n', ""))
    assert [p.path for p in problems] == ["helpdesk"]


def test_a_mailbox_needs_a_support_line_to_default_to():
    text = SMALL.replace('name = "1st line"', 'name = "1st line"\nkind = "task"').replace(
        'name = "2nd line"', 'name = "2nd line"\nkind = "commercial"')
    assert [p.path for p in problems_of(text)] == ["mailboxes[0]"]


def test_agents_already_in_the_database_may_be_referenced():
    text = SMALL.replace('head = "anna@example.com"', 'head = "boss@example.com"')

    assert [p.path for p in problems_of(text)] == ["lines[0].head"]
    spec = parse_setup(text, known_agents={"boss@example.com": Role.ADMIN})
    assert spec.external_agents == frozenset({"boss@example.com"})
    assert [p.path for p in problems_of(text, {"boss@example.com": Role.AGENT})] == ["lines[0].head"]


def test_the_locator_follows_tables_arrays_and_strings():
    text = '\n'.join([
        'title = """',              # 1: a multi-line string whose body looks like headers
        '[[lines]]',                # 2
        'x = 1"""',                 # 3
        '[[lines]]',                # 4
        'members = ["a", "b",',     # 5
        '  "c"]  # [not a header]',  # 6
        '"quoted key".inner = 2',   # 7
        '[[lines]]',                # 8
        '[lines.extra]',            # 9
        'k = 3',                    # 10
    ])
    locator = KeyLocator(text)
    assert locator.line_of("lines[0]") == 4
    assert locator.line_of("lines[0].members[1]") == 5
    assert locator.line_of("lines[0].members[2]") == 6
    assert locator.line_of("lines[0].quoted key.inner") == 7
    assert locator.line_of("lines[1].extra.k") == 10
    assert locator.line_of("lines[1].missing") == 8
    assert locator.line_of("nowhere") is None
