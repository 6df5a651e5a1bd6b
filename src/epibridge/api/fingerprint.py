"""What makes two POSTs "the same request" for ``Idempotency-Key``.

The path, the query and the body; a multipart body by its fields instead of its bytes: each
part's name, file name and content type and the SHA-256 of its content. A client picks a new
random boundary for every attempt (curl does), so the raw bytes of a retried upload never
match, and hashing them turned every retry of an upload into a 422 "different request".
"""

from __future__ import annotations

import hashlib
import json

from python_multipart.multipart import MultipartParser, parse_options_header


def fingerprint(path: str, query: bytes, content_type: bytes, body: bytes) -> str:
    """SHA-256 hex digest of what the request asks for (see the module's docstring)."""
    digest = hashlib.sha256(path.encode() + b"?" + query + b"\0")
    parts = multipart_parts(content_type, body)
    if parts is None:
        digest.update(b"raw\0" + body)
    else:
        digest.update(b"multipart\0" + json.dumps(sorted(parts)).encode())
    return digest.hexdigest()


def multipart_parts(content_type: bytes, body: bytes) -> list[list[str]] | None:
    """``[name, filename, content type, sha256]`` per part, or None if not (valid) multipart.

    A body that does not parse is fingerprinted by its bytes: the route will refuse it anyway.
    """
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        return None
    parts: list[list[str]] = []
    headers: dict[bytes, bytes] = {}
    field: list[bytes] = [b"", b""]
    content = hashlib.sha256()

    def part_begin() -> None:
        nonlocal content
        headers.clear()
        content = hashlib.sha256()

    def header_field(data: bytes, start: int, end: int) -> None:
        field[0] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        field[1] += data[start:end]

    def header_end() -> None:
        headers[field[0].strip().lower()] = field[1].strip()
        field[0], field[1] = b"", b""

    def part_data(data: bytes, start: int, end: int) -> None:
        content.update(data[start:end])

    def part_end() -> None:
        _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
        parts.append(
            [
                disposition.get(b"name", b"").decode("utf-8", "replace"),
                disposition.get(b"filename", b"").decode("utf-8", "replace"),
                headers.get(b"content-type", b"").decode("latin-1"),
                content.hexdigest(),
            ]
        )

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": part_begin,
            "on_header_field": header_field,
            "on_header_value": header_value,
            "on_header_end": header_end,
            "on_part_data": part_data,
            "on_part_end": part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # any malformed multipart: fall back to the bytes
        return None
    return parts
