"""The rules of preparedness, by concern; import the functions from here.

``determinations`` WHO's determination on an event (the Secretariat records it),
``directory`` each state's IHR contacts and their yearly confirmation, ``communication`` the
Secretariat's communication tests and each state's answer.
"""

from epibridge.preparedness.service.communication import (
    acknowledge,
    get_test,
    launch,
    list_tests,
    report,
    report_csv,
    unanswered,
)
from epibridge.preparedness.service.determinations import record_determination
from epibridge.preparedness.service.directory import (
    confirm_entry,
    entries,
    get_entry,
    may_edit,
    remind_unconfirmed,
    require_editor,
    save_entry,
)

__all__ = [
    "acknowledge",
    "confirm_entry",
    "entries",
    "get_entry",
    "get_test",
    "launch",
    "list_tests",
    "may_edit",
    "record_determination",
    "remind_unconfirmed",
    "report",
    "report_csv",
    "require_editor",
    "save_entry",
    "unanswered",
]
