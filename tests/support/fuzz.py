"""Fuzz a live epibridge server from its own OpenAPI with schemathesis, and count what it finds.

One engine for the suite (tests/api/test_fuzz.py: few examples, fixed seed) and for the longer
run (scripts/fuzz.sh). Each operation gets ``examples`` generated requests per generation mode
(valid input, and input the schema forbids); every response is checked for a server error,
for a status the operation declares and for a body its declared schema accepts. Failures are
collected rather than raised, so Hypothesis does not spend the budget shrinking them, and each
5xx carries the last line of the server's traceback (the server runs in this process; its
``epibridge.api`` log records are captured) so the findings can be grouped by cause.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import hypothesis.errors
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
#: JSON no generator writes: numbers JSON forbids (Python's parser takes them) or a float cannot
#: hold, and nesting past the parser's recursion limit. Each replaces one value of a valid body.
HOSTILE_JSON = ("NaN", "Infinity", "-Infinity", "1e400", "[" * 5000 + "]" * 5000)
_SENTINEL = "__fuzz_hostile_7f3a__"
_LOGGERS = ("epibridge.api", "uvicorn.error")


@dataclass
class Finding:
    """One failed check on one generated request."""

    operation: str
    status: int | None
    check: str
    message: str
    curl: str
    server_error: str | None = None  # the last line of the server's traceback

    def cause(self) -> str:
        """What groups findings: the check and, for a 5xx, the exception it died of."""
        return self.server_error or self.check


@dataclass
class Report:
    """What one fuzz run did and found."""

    label: str
    operations: int = 0
    cases: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: Counter[tuple[str, int]] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    generation_errors: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> list[Finding]:
        return [f for f in self.findings if f.status is None or f.status >= 500]

    @property
    def nonconforming(self) -> list[Finding]:
        return [f for f in self.findings if f.status is not None and f.status < 500]

    def failing_operations(self, findings: Sequence[Finding] | None = None) -> set[str]:
        return {f.operation for f in (self.findings if findings is None else findings)}

    def summary(self) -> str:
        """The figures: operations, cases, server errors, nonconforming responses."""
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        lines = [
            f"[{self.label}] operations: {self.operations}, cases: {self.cases}, "
            f"server errors: {len(self.server_errors)} "
            f"(in {len(self.failing_operations(self.server_errors))} operations), "
            f"nonconforming responses: {len(self.nonconforming)} "
            f"(in {len(self.failing_operations(self.nonconforming))} operations), "
            f"{self.seconds:.0f} s",
            f"[{self.label}] statuses: {codes}",
        ]
        by_cause: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_cause.setdefault(finding.cause(), []).append(finding)
        for cause, findings in sorted(by_cause.items(), key=lambda item: -len(item[1])):
            operations = sorted({f.operation for f in findings})
            lines.append(f"  {len(findings):4d} x {cause[:300]}")
            lines.append(f"         in {len(operations)} operations: {', '.join(operations[:6])}")
            lines.append(f"         e.g. {findings[0].curl[:400]}")
        lines.extend(f"  generation error: {e[:300]}" for e in self.generation_errors)
        return "\n".join(lines)


class _Captured(logging.Handler):
    """Keeps the last traceback line of every exception the server logs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            frames = [
                f for f in traceback.extract_tb(exc.__traceback__) if "/epibridge/" in f.filename
            ]
            where = ""
            if frames:
                where = f" [{frames[-1].filename.split('/epibridge/')[-1]}:{frames[-1].lineno}]"
            # The first line only: a database error goes on with its SQL statement.
            last = traceback.format_exception_only(exc)[-1].strip().splitlines()[0]
            self.lines.append(last + where)


@contextmanager
def _capture() -> Iterator[_Captured]:
    handler = _Captured()
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    propagate = [logger.propagate for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False  # the tracebacks are summarized, not printed in full
    try:
        yield handler
    finally:
        for logger, value in zip(loggers, propagate, strict=True):
            logger.removeHandler(handler)
            logger.propagate = value


def fuzz(
    base_url: str,
    *,
    token: str,
    label: str,
    examples: int = 5,
    seed: int = 0,
    modes: Sequence[GenerationMode] = MODES,
    path_regex: str | None = None,
    pin_id: int | None = 1,
    hostile: int = 1,
) -> Report:
    """Send ``examples`` generated requests per operation and mode as the holder of ``token``.

    With ``pin_id``, operations with integer path ids get one more pass of valid requests with
    every such id set to ``pin_id`` (seed the database so that records with that id exist).
    Operations with a JSON body also get ``hostile`` valid bodies with one value replaced by a
    ``HOSTILE_JSON`` text (taken in turn, so that the operations share out the list).
    """
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=60)
    if path_regex:
        schema = schema.include(path_regex=path_regex)
    headers = {"Authorization": f"Bearer {token}"}
    report = Report(label=label)
    session = requests.Session()
    started = time.monotonic()
    with _capture() as captured:
        for index, result in enumerate(schema.get_all_operations()):
            if not isinstance(result, Ok):
                report.generation_errors.append(f"unreadable operation: {result.err()}")
                continue
            operation = result.ok()
            report.operations += 1
            passes: list[tuple[GenerationMode, dict[str, int]]] = [(m, {}) for m in modes]
            pinned = _integer_path_parameters(operation, pin_id)
            if pinned:  # random ids are hardly ever found, the seeded ones are
                passes.append((GenerationMode.POSITIVE, pinned))
            for number, (mode, path_parameters) in enumerate(passes):
                # The token is fixed, so every case speaks as the role under test.
                strategy = operation.as_strategy(
                    generation_mode=mode, headers=headers, path_parameters=path_parameters or None
                )
                _run(
                    operation.label,
                    strategy,
                    base_url,
                    headers,
                    session,
                    report,
                    captured,
                    examples=examples,
                    seed=seed * 100_000 + index * 10 + number,
                    negative=mode == GenerationMode.NEGATIVE,
                )
            for turn in range(min(hostile, len(HOSTILE_JSON)) if _takes_json(operation) else 0):
                token = HOSTILE_JSON[(index + turn) % len(HOSTILE_JSON)]
                strategy = operation.as_strategy(
                    headers=headers, path_parameters=pinned or None, media_type="application/json"
                )
                _run(
                    operation.label,
                    strategy,
                    base_url,
                    headers,
                    session,
                    report,
                    captured,
                    examples=1,
                    seed=seed * 100_000 + index * 10 + 5 + turn,
                    negative=False,
                    hostile=token,
                )
    report.seconds = time.monotonic() - started
    return report


def _takes_json(operation: Any) -> bool:
    body = operation.definition.raw.get("requestBody", {})
    return "application/json" in body.get("content", {})


def hostile_body(body: Any, token: str) -> bytes | None:
    """``body`` as JSON text with its first number (else its first value) replaced by ``token``."""
    if not isinstance(body, dict) or not body:
        return None
    copy = json.loads(json.dumps(body))

    def replace_number(node: Any) -> bool:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if isinstance(value, int | float) and not isinstance(value, bool):
                node[key] = _SENTINEL
                return True
            if isinstance(value, dict | list) and replace_number(value):
                return True
        return False

    if not replace_number(copy):
        copy[next(iter(copy))] = _SENTINEL
    return json.dumps(copy).replace(f'"{_SENTINEL}"', token).encode()


def _integer_path_parameters(operation: Any, pin_id: int | None) -> dict[str, int]:
    if pin_id is None:
        return {}
    return {
        p.name: pin_id
        for p in operation.path_parameters
        if p.definition.get("schema", {}).get("type") == "integer"
    }


def _curl(case: Any, raw: bytes | None, headers: dict[str, str], base_url: str) -> str:
    """The curl command that replays the case (a hostile body, shortened, when there is one)."""
    if raw is None:
        return case.as_curl_command(headers=headers)
    query = f"?{requests.compat.urlencode(case.query)}" if case.query else ""
    body = raw.decode()
    body = body if len(body) < 300 else body[:150] + " ... " + body[-150:]
    return (
        f"curl -X {case.method} '{base_url}{case.formatted_path}{query}' "
        f"-H 'Content-Type: application/json' -d '{body}'"
    )


def _send(
    case: Any,
    raw: bytes | None,
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
) -> requests.Response:
    """Send the case as generated, or with the hostile raw body in its place."""
    if raw is None:
        return case.call(base_url=base_url, session=session, headers=headers, timeout=30)
    return session.request(
        case.method,
        base_url + case.formatted_path,
        params=case.query,
        data=raw,
        headers={**(case.headers or {}), "Content-Type": "application/json"},
        timeout=30,
    )


def _run(
    label: str,
    strategy: Any,
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    report: Report,
    captured: _Captured,
    *,
    examples: int,
    seed: int,
    negative: bool,
    hostile: str | None = None,
) -> None:
    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        derandomize=False,
    )
    @hypothesis.given(case=strategy)
    def one(case: Any) -> None:
        before = len(captured.lines)
        raw = hostile_body(case.body, hostile) if hostile else None
        if hostile and raw is None:
            return
        report.cases += 1

        def curl() -> str:
            return _curl(case, raw, headers, base_url)

        try:
            response = _send(case, raw, base_url, headers, session)
        except requests.RequestException as exc:  # the server dropped the connection
            time.sleep(0.2)  # let the server log what killed it
            logged = captured.lines[before:]
            cause = f"connection lost: {logged[-1] if logged else type(exc).__name__}"
            report.findings.append(Finding(label, None, "connection", cause, curl(), cause))
            return
        report.statuses[response.status_code] += 1
        report.by_operation[(label, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            command = curl()
            if response.status_code >= 500:  # one finding, whatever else it broke
                logged = captured.lines[before:]
                cause = logged[-1] if logged else "no traceback logged"
                report.findings.append(
                    Finding(label, response.status_code, "server error", cause, command, cause)
                )
                return
            for failure in group.exceptions:
                report.findings.append(
                    Finding(
                        operation=label,
                        status=response.status_code,
                        check=failure.title,
                        message=str(failure.message)[:500],
                        curl=command,
                    )
                )

    try:
        one()
    except hypothesis.errors.Unsatisfiable:
        if not negative:  # nothing is invalid about a route with no input
            report.generation_errors.append(f"{label}: no valid input could be generated")
    except Exception as exc:
        report.generation_errors.append(f"{label}: {type(exc).__name__}: {exc}")
