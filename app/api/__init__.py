"""REST API /api/v1 (placeholder until the API module lands)."""

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")
