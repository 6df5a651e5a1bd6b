"""Routes of preparedness: WHO's determinations, the IHR directory, communication tests."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import Response

from epibridge.api.deps import CurrentPrincipal, Now, ReadSession, WriteSession
from epibridge.api.pagination import Cursor, PageLimit
from epibridge.inputs import Id
from epibridge.notifications.schemas import WhoDeterminationRead
from epibridge.paging import Page
from epibridge.preparedness import service
from epibridge.preparedness.schemas import (
    CommunicationTestCreate,
    CommunicationTestRead,
    CommunicationTestReport,
    DeterminationWrite,
    DirectoryEntryRead,
    DirectoryEntryWrite,
    TestAnswerRead,
)
from epibridge.preparedness.service import communication

router = APIRouter(prefix="/api/v1", tags=["preparedness"])
TESTS = "/preparedness/communication-tests"


@router.put("/notifications/{event_id}/who-determination", response_model=WhoDeterminationRead)
def record_determination(
    session: WriteSession,
    principal: CurrentPrincipal,
    event_id: Id,
    data: DeterminationWrite,
    now: Now,
) -> WhoDeterminationRead:
    """Record WHO's determination on an event (none, pheic, pandemic_emergency): Secretariat."""
    return service.record_determination(
        session, actor=principal, event_id=event_id, data=data, now=now
    )


@router.get("/preparedness/directory", response_model=list[DirectoryEntryRead])
def list_directory(session: ReadSession, principal: CurrentPrincipal) -> list[DirectoryEntryRead]:
    """Every member state's IHR contacts and when it last confirmed them (members only)."""
    return service.entries(session, actor=principal)


@router.get("/preparedness/directory/{state}", response_model=DirectoryEntryRead)
def get_directory_entry(
    session: ReadSession, principal: CurrentPrincipal, state: str
) -> DirectoryEntryRead:
    return service.get_entry(session, actor=principal, state=state)


@router.put("/preparedness/directory/{state}", response_model=DirectoryEntryRead)
def save_directory_entry(
    session: WriteSession,
    principal: CurrentPrincipal,
    state: str,
    data: DirectoryEntryWrite,
    now: Now,
) -> DirectoryEntryRead:
    """Write your state's entry (a focal point of that state only)."""
    return service.save_entry(session, actor=principal, state=state, data=data, now=now)


@router.post("/preparedness/directory/{state}/confirm", response_model=DirectoryEntryRead)
def confirm_directory_entry(
    session: WriteSession, principal: CurrentPrincipal, state: str, now: Now
) -> DirectoryEntryRead:
    """Confirm that your state's entry is current (for a year)."""
    return service.confirm_entry(session, actor=principal, state=state, now=now)


@router.post(TESTS, response_model=CommunicationTestRead, status_code=status.HTTP_201_CREATED)
def launch_test(
    session: WriteSession, principal: CurrentPrincipal, data: CommunicationTestCreate, now: Now
) -> CommunicationTestRead:
    """Send a TEST message to every member state's focal points (Secretariat)."""
    test = service.launch(session, actor=principal, data=data, now=now)
    return communication.to_read(test, 0)


@router.get(TESTS, response_model=Page[CommunicationTestRead])
def list_tests(
    session: ReadSession, principal: CurrentPrincipal, limit: PageLimit, cursor: Cursor = None
) -> Page[CommunicationTestRead]:
    return service.list_tests(session, actor=principal, cursor=cursor, limit=limit)


@router.get(TESTS + "/{test_id}", response_model=CommunicationTestReport)
def get_report(
    session: ReadSession, principal: CurrentPrincipal, test_id: Id
) -> CommunicationTestReport:
    """Who answered within 1 hour, within 24 hours, later, and not at all."""
    return service.report(session, actor=principal, test_id=test_id)


@router.get(
    TESTS + "/{test_id}/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_report_csv(session: ReadSession, principal: CurrentPrincipal, test_id: Id) -> Response:
    found = service.report(session, actor=principal, test_id=test_id)
    return Response(
        service.report_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="communication-test-{test_id}-TEST.csv"'
        },
    )


@router.post(TESTS + "/{test_id}/acknowledge", response_model=TestAnswerRead)
def acknowledge_test(
    session: WriteSession, principal: CurrentPrincipal, test_id: Id, now: Now
) -> TestAnswerRead:
    """Acknowledge a communication test for your state (its first acknowledgement counts)."""
    return service.acknowledge(session, actor=principal, test_id=test_id, now=now)
