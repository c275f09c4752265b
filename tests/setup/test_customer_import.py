"""`customers import`: good rows in, bad rows reported by line, a second import changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.customer_import import ImportFileError, csv_records, import_customers, sniff_delimiter
from app.directory import customer_by_email, customer_by_phone
from app.models import Customer, CustomerEmail, CustomerPhone
from tests.conftest import T0
from tests.setup.conftest import SMALL

HEADER = "name,emails,phones,contract,company,vip,personal_manager\n"


@pytest.fixture
def desk(apply_text):
    """The small setup applied: agents anna/kris, phone region RU."""
    apply_text(SMALL)


def run(session, text: str, **kwargs):
    report = import_customers(session, text, now=T0, region="RU", **kwargs)
    session.commit()
    return report


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_good_rows_are_imported_and_bad_rows_reported_with_their_line(session, desk):
    text = HEADER + (
        'Ivan,ivan@example.com,8 (495) 123-45-67,C-1,Acme,yes,anna@example.com\n'      # 2 good
        ',,,,,,\n'                                                                      # 3 blank: skipped
        'Nobody,,,C-2,,,\n'                                                             # 4 no contact
        'Petr,"petr@example.com; p2@example.com",+7 916 000-00-01,,,no,\n'              # 5 good, two emails
        'Bad,petr@@example.com,,,,,\n'                                                  # 6 bad email
        'Bad,,12,,,,\n'                                                                 # 7 bad phone
        'Bad,bad@example.com,,,,maybe,ghost@example.com\n'                             # 8 vip + manager
        'Bad,bad@example.com,,,,,,\n'                                                   # 9 eight fields
        '"Multi\nline",multi@example.com,,,,,\n'                                        # 10-11 good
        'Thief,petr@example.com,,C-1,,,\n'                                              # 12 Petr's email, C-1
    )

    report = run(session, text)

    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert {p.line: p.reason for p in report.problems}.keys() == {4, 6, 7, 8, 9, 12}
    reasons = {p.line: p.reason for p in report.problems}
    assert "no email and no phone" in reasons[4]
    assert "not an email address" in reasons[6]
    assert "not a possible phone number" in reasons[7]
    assert "vip must be" in reasons[8] and "'ghost@example.com' is not an active agent" in reasons[8]
    assert "expected 7 fields, found 8" in reasons[9]
    assert "petr@example.com belongs to another customer, 'Petr'" in reasons[12]
    ivan = customer_by_email(session, "ivan@example.com")
    assert (ivan.contract, ivan.company, ivan.vip) == ("C-1", "Acme", True)
    assert ivan.personal_manager.email == "anna@example.com"
    assert [p.phone for p in ivan.phones] == ["+74951234567"]
    assert customer_by_email(session, "p2@example.com").name == "Petr"
    assert customer_by_email(session, "multi@example.com").name == "Multi\nline"


def test_importing_twice_changes_nothing(session, desk):
    text = HEADER + ("Ivan,ivan@example.com,8 (495) 123-45-67,C-1,Acme,1,\n"
                     "Petr,petr@example.com,,,,,\n"
                     "Bad,,,,,,\n")
    first = run(session, text)
    rows = (count(session, Customer), count(session, CustomerEmail), count(session, CustomerPhone))

    second = run(session, text)

    assert (first.created, len(first.problems)) == (2, 1)
    assert (second.created, second.updated, second.unchanged, len(second.problems)) == (0, 0, 2, 1)
    assert (count(session, Customer), count(session, CustomerEmail), count(session, CustomerPhone)) == rows


def test_a_phone_written_two_ways_is_one_customer_in_e164(session, desk):
    report = run(session, HEADER + "Ivan,,8 (495) 123-45-67,,,,\nIvan Petrov,ivan@example.com,+7 495 123 45 67,,,,\n")

    assert (report.created, report.updated, report.problems) == (1, 1, [])
    ivan = customer_by_phone(session, "+7 (495) 123-45-67")
    assert ivan is customer_by_phone(session, "84951234567", "RU")
    assert ivan.name == "Ivan Petrov" and [e.email for e in ivan.emails] == ["ivan@example.com"]
    assert session.scalars(select(CustomerPhone.phone)).all() == ["+74951234567"]


def test_a_customer_is_matched_by_contract_first_and_updated(session, desk):
    run(session, HEADER + "Acme,ops@acme.example,,C-7,Acme Ltd,,\n")

    report = run(session, HEADER + "Acme Hosting,billing@acme.example,,C-7,,true,kris@example.com\n")

    assert (report.created, report.updated) == (0, 1)
    acme = customer_by_email(session, "billing@acme.example")
    assert acme is customer_by_email(session, "ops@acme.example")  # contacts are only ever added
    assert (acme.name, acme.company, acme.vip, acme.personal_manager.email) == (
        "Acme Hosting", "Acme Ltd", True, "kris@example.com")  # an empty cell erases nothing


def test_contacts_of_two_different_customers_in_one_row_are_refused(session, desk):
    run(session, HEADER + "A,a@example.com,,,,,\nB,b@example.com,,,,,\n")

    report = run(session, HEADER + "AB,a@example.com;b@example.com,,,,,\n")

    assert [p.line for p in report.problems] == [2]
    assert "belong to different customers" in report.problems[0].reason


def test_semicolon_files_with_a_byte_order_mark_are_read(session, desk):
    text = "\ufeff" + HEADER.replace(",", ";") + 'Ivan;"ivan@example.com, i2@example.com";+74951234567;;;;\n'

    assert sniff_delimiter(text.lstrip("\ufeff")) == ";"
    report = run(session, text)

    assert report.created == 1 and report.ok
    assert customer_by_email(session, "i2@example.com") is customer_by_email(session, "ivan@example.com")


def test_the_header_names_the_columns():
    with pytest.raises(ImportFileError, match="unknown column.*'phone'"):
        list(csv_records("name,emails,phone\nx,a@b.example,1\n"))
    with pytest.raises(ImportFileError, match='"emails" or "phones"'):
        list(csv_records("name,company\nx,y\n"))
    assert list(csv_records("Name, Emails \r\nx,a@example.com\r\n")) == [(2, {"name": "x", "emails": "a@example.com"})]


def test_the_cli_exit_code_says_whether_any_row_was_bad(cli, session, tmp_path):
    assert cli("setup", "apply", _write(tmp_path, "desk.toml", SMALL)).exit_code == 0
    good = _write(tmp_path, "good.csv", HEADER + "Ivan,ivan@example.com,8 (495) 123-45-67,,,,\n")
    mixed = _write(tmp_path, "mixed.csv", HEADER + "Petr,petr@example.com,,,,,\nBad,,,,,,\n")

    ok = cli("customers", "import", good)
    bad = cli("customers", "import", mixed)

    assert ok.exit_code == 0, ok.output
    assert "1 created" in ok.stdout and "0 row(s) rejected" in ok.stdout
    assert bad.exit_code == 1
    assert f"{mixed}:3: no email and no phone" in bad.stderr and "1 row(s) rejected" in bad.stdout
    assert customer_by_email(session, "petr@example.com") is not None  # the good row was kept
    assert customer_by_phone(session, "+74951234567") is not None  # read with the file's phone_region


def test_the_cli_refuses_a_file_it_cannot_read(cli, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + "Jos\xe9,jose@example.com,,,,,\n".encode("latin-1"))
    wrong = _write(tmp_path, "wrong.csv", "name,mail\nx,y\n")

    assert "is not utf-8-sig text" in cli("customers", "import", latin).stderr
    result = cli("customers", "import", wrong)
    assert result.exit_code == 1 and "unknown column(s) 'mail'" in result.stderr
    assert cli("customers", "import", latin, "--encoding", "latin-1").exit_code == 0


def _write(directory, name: str, text: str):
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
