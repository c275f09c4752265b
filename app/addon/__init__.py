"""The Gmail sidebar: a Google Workspace add-on served over HTTP.

Google POSTs a JSON event to our endpoints (the homepage, the contextual trigger for an opened message, and one
action endpoint for every button) with `Authorization: Bearer <ID token of the add-on's service account>`.
`auth` verifies that token and the user's own ID token and finds the agent; `event` reads the event; `cards`
turns the panel model (app/panel) into Google's card JSON; `views` dispatches every action through the
workflow (via="addon") and answers with the updated card. `descriptor` writes the deployment descriptor.
"""

from flask import Blueprint

addon = Blueprint("addon", __name__, url_prefix="/addon")

from app.addon import views  # noqa: E402,F401  (registers the routes on `addon`)

__all__ = ["addon"]
