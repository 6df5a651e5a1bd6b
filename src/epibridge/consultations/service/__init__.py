"""The rules of consultations, in rooms: convening, reading, drafts, decisions, signatures.

Interfaces import this package and call its functions; the split into modules only keeps each
file short.
"""

from epibridge.consultations.service.abilities import (
    DocumentAbilities,
    can_convene,
    can_draft,
    document_abilities,
)
from epibridge.consultations.service.closing import close_consultation, closing_outcomes
from epibridge.consultations.service.consultations import (
    add_record_entry,
    convene,
    request,
    respond,
    set_agenda,
)
from epibridge.consultations.service.decisions import (
    SCHEDULER_ACTOR,
    PositionRight,
    check_may_record_position,
    close_decision,
    close_due_decisions,
    list_decisions,
    put_to_decision,
    record_position,
)
from epibridge.consultations.service.documents import (
    compare_versions,
    create_document,
    create_version,
    get_document,
    get_version,
    list_amendments,
    list_documents,
    list_versions,
    propose_amendment,
)
from epibridge.consultations.service.outcome import tally
from epibridge.consultations.service.positions import can_record_position, position_states
from epibridge.consultations.service.reading import counts, get, list_, list_record
from epibridge.consultations.service.signatures import list_signatures, sign

__all__ = [
    "SCHEDULER_ACTOR",
    "DocumentAbilities",
    "PositionRight",
    "add_record_entry",
    "can_convene",
    "can_draft",
    "can_record_position",
    "check_may_record_position",
    "close_consultation",
    "close_decision",
    "close_due_decisions",
    "closing_outcomes",
    "compare_versions",
    "convene",
    "counts",
    "create_document",
    "create_version",
    "document_abilities",
    "get",
    "get_document",
    "get_version",
    "list_",
    "list_amendments",
    "list_decisions",
    "list_documents",
    "list_record",
    "list_signatures",
    "list_versions",
    "position_states",
    "propose_amendment",
    "put_to_decision",
    "record_position",
    "request",
    "respond",
    "set_agenda",
    "sign",
    "tally",
]
