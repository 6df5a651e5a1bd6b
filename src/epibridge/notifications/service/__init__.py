"""The rules of event notifications, split by concern; import the functions from here."""

from epibridge.notifications.service.cap import alert_state, export, import_alert, message_for
from epibridge.notifications.service.events import (
    assess_annex2,
    close,
    create,
    list_events,
    notify,
    update,
    versions,
)
from epibridge.notifications.service.interactions import (
    acknowledge,
    answer_verification,
    assess,
    comment,
    pending_states,
    remind,
    request_verification,
)
from epibridge.notifications.service.reads import (
    assessment_read,
    get,
    timeline,
    to_read,
    to_summary,
    verification_read,
)

__all__ = [
    "acknowledge",
    "alert_state",
    "answer_verification",
    "assess",
    "assess_annex2",
    "assessment_read",
    "close",
    "comment",
    "create",
    "export",
    "get",
    "import_alert",
    "list_events",
    "message_for",
    "notify",
    "pending_states",
    "remind",
    "request_verification",
    "timeline",
    "to_read",
    "to_summary",
    "update",
    "verification_read",
    "versions",
]
