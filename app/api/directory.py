"""The directory, read-only: find a customer by an email or a phone number, and list the support lines.

A customer lookup answers a list (empty when nobody matches) rather than a 404: it is a search over the
customer collection, and "nobody with that number" is an answer, not an error. Phone numbers are compared in
E.164, so "+7 495 123-45-67" finds "+74951234567".
"""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import api
from app.api.common import workflow
from app.api.parsing import query_text
from app.api.serialize import customer_json, line_json
from app.directory import customer_by_email, customer_by_phone
from app.domain.errors import InvalidInput
from app.models import Line
from app.web import db_session


@api.get("/customers")
def find_customers() -> ResponseReturnValue:
    email, phone = query_text("email"), query_text("phone")
    if (email is None) == (phone is None):
        raise InvalidInput("give exactly one of the query parameters email or phone", fields=["email", "phone"])
    session = db_session()
    if email is not None:
        customer = customer_by_email(session, email)
    else:
        customer = customer_by_phone(session, phone or "", workflow().phone_region())
    return jsonify(customers=[customer_json(customer)] if customer else [])


@api.get("/lines")
def list_lines() -> ResponseReturnValue:
    lines = db_session().scalars(
        select(Line).options(selectinload(Line.head), selectinload(Line.members)).order_by(Line.position, Line.id)
    )
    return jsonify(lines=[line_json(line) for line in lines])
