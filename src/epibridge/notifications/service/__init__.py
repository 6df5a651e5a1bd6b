"""The rules of event notifications, split by concern; import the functions from here.

``events`` the lifecycle (``discarding`` a draft not notified), ``versioning`` the versions
with their CAP identity and messages, ``queries`` finding events, ``dashboard`` the situation
of a day, ``verification`` verification requests, ``interactions`` acknowledgements, risk
assessments, comments and reminders, ``reminders`` the automatic ones the scheduler sends,
``reads`` read models and the timeline, ``allowed`` the actions a principal may take on an
event (what faces offer), ``cap_export``/``cap_import`` CAP 1.2 (``cap_reading`` what an
alert says), ``common`` what they all share.
"""

from epibridge.notifications.service.allowed import actions
from epibridge.notifications.service.cap_export import export, message_for
from epibridge.notifications.service.cap_import import import_alert
from epibridge.notifications.service.cap_reading import alert_state
from epibridge.notifications.service.common import titles
from epibridge.notifications.service.dashboard import situation
from epibridge.notifications.service.discarding import discard
from epibridge.notifications.service.events import assess_annex2, close, create, notify, update
from epibridge.notifications.service.interactions import (
    acknowledge,
    assess,
    comment,
    pending_states,
    remind,
)
from epibridge.notifications.service.queries import event_query, list_events, versions
from epibridge.notifications.service.reads import (
    assessment_read,
    get,
    timeline,
    to_read,
    to_summary,
    verification_read,
)
from epibridge.notifications.service.reminders import remind_due
from epibridge.notifications.service.verification import answer_verification, request_verification

__all__ = [
    "acknowledge",
    "actions",
    "alert_state",
    "answer_verification",
    "assess",
    "assess_annex2",
    "assessment_read",
    "close",
    "comment",
    "create",
    "discard",
    "event_query",
    "export",
    "get",
    "import_alert",
    "list_events",
    "message_for",
    "notify",
    "pending_states",
    "remind",
    "remind_due",
    "request_verification",
    "situation",
    "timeline",
    "titles",
    "to_read",
    "to_summary",
    "update",
    "verification_read",
    "versions",
]
