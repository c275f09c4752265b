"""The directory routes: customers by email or phone, and the lines."""

import pytest
from sqlalchemy import select

from app.models import Agent, Customer


@pytest.fixture
def ivan(new_ticket, Session):
    new_ticket(customer={"name": "Ivan Petrov", "email": "ivan@example.com", "phone": "+7 495 123-45-67"})
    with Session() as session:
        customer = session.scalar(select(Customer))
        customer.contract, customer.company, customer.vip = "C-1042", "Petrov LLC", True
        customer.personal_manager = session.scalar(select(Agent).where(Agent.email == "carl@coolxost.com"))
        session.commit()
        return customer.id


@pytest.mark.parametrize("query", ["email=ivan@example.com", "email=IVAN@Example.com",
                                   "phone=%2B74951234567", "phone=%2B7 (495) 123-45-67"])
def test_find_a_customer_by_email_or_phone(ivan, api_client, query):
    response = api_client("kristina").get(f"/customers?{query}")
    assert response.status_code == 200
    assert response.get_json()["customers"] == [{
        "id": ivan, "name": "Ivan Petrov", "emails": ["ivan@example.com"], "phones": ["+74951234567"],
        "contract": "C-1042", "company": "Petrov LLC", "vip": True, "personal_manager": "carl@coolxost.com",
    }]


def test_nobody_found_is_an_empty_list(api_client, desk):
    assert api_client("kristina").get("/customers?email=nobody@example.com").get_json() == {"customers": []}


@pytest.mark.parametrize("query, detail", [
    ("", "give exactly one of the query parameters email or phone"),
    ("email=a@b.com&phone=%2B74951234567", "give exactly one"),
    ("email=not-an-email", "'not-an-email' is not an email address"),
    ("phone=abc", "'abc' is not a phone number"),
])
def test_customer_lookup_refusals(api_client, desk, query, detail):
    response = api_client("kristina").get(f"/customers?{query}")
    assert response.status_code == 400 and detail in response.get_json()["detail"]


def test_lines(api_client, desk):
    lines = api_client("kristina").get("/lines").get_json()["lines"]
    assert [line["slug"] for line in lines] == ["l1", "l2", "dev", "commercial", "wishes", "devtasks"]
    assert lines[0] == {"slug": "l1", "name": "1st line", "kind": "support", "head": "anna@coolxost.com",
                        "members": ["kristina@coolxost.com", "lisa@coolxost.com"], "active": True}
    assert lines[4]["kind"] == "task"
