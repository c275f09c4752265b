"""The workflow service: the only code that writes tickets.

Every surface (REST API, web panel, Gmail add-on, Gmail labels, scheduler, sync) builds a `Workflow` with its
session, a clock and its own name (`via`, recorded on every audit event), calls one action, and commits.
Actions raise typed errors from `app.domain.errors`; nothing here knows about HTTP or Flask.
"""

from app.workflow.actions import CustomerRef
from app.workflow.auto_answer import AutoAnswerActions
from app.workflow.bulk import Outcome, Sent
from app.workflow.feedback import FeedbackActions
from app.workflow.intake import Inbound, IntakeResult


class Workflow(FeedbackActions, AutoAnswerActions):
    """All ticket actions; see the modules of this package for each group."""


__all__ = ["CustomerRef", "Inbound", "IntakeResult", "Outcome", "Sent", "Workflow"]
