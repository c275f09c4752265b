"""The customer's feedback page: the signed links in a feedback request open it, with no sign-in.

`links` signs and reads the links; `views` shows the answer the customer clicked with an optional comment
(a POST form with a CSRF token) and stores it through the workflow; `i18n` holds the words (English, Russian);
`sms` is the gateway for customers known only by phone. The request itself is sent by
`gmail_sync.feedback_request`.
"""

from flask import Blueprint

feedback = Blueprint("feedback", __name__, url_prefix="/feedback", static_folder="static",
                     static_url_path="/static")

from app.feedback import views  # noqa: E402,F401  (register on `feedback`)

__all__ = ["feedback"]
