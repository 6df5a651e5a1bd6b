"""Reading a rendered report back: text from the PDF (poppler's pdftotext), pages as PNG."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.reports import service
from epibridge.reports.schemas import ReportCreate
from epibridge.security import Principal


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with every run of whitespace made one space (table cells wrap lines)."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return re.sub(r"\s+", " ", result.stdout.decode("utf-8"))


def squeezed(text: str) -> str:
    """Text without any whitespace: Chinese wraps anywhere, even inside a heading."""
    return re.sub(r"\s+", "", text)


def has_phrase(text: str, phrase: str, slack: int = 120) -> bool:
    """Whether the words of ``phrase`` appear in order, close together, in ``text``.

    pdftotext reads a table row line by line, so a title wrapped in its cell comes out with the
    neighbouring cells' text between its lines.
    """
    words = phrase.split()
    start = text.find(words[0])
    while start != -1:
        position, ok = start + len(words[0]), True
        for word in words[1:]:
            found = text.find(word, position)
            if found == -1 or found - position > slack:
                ok = False
                break
            position = found + len(word)
        if ok:
            return True
        start = text.find(words[0], start + 1)
    return False


def render(
    sessions: sessionmaker[Session],
    actor: Principal,
    week: str,
    *,
    lang: str = "en",
    state: str | None = None,
    fmt: str = "pdf",
) -> bytes:
    with read_session(sessions) as session:
        rendered = service.build(
            session,
            actor=actor,
            data=ReportCreate(week=week, lang=lang, state=state, format=fmt),  # type: ignore[arg-type]
        )
    return rendered.content


def save(artifacts: Path, name: str, content: bytes) -> Path:
    folder = artifacts / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def page_png(pdf_path: Path, page: int = 1, dpi: int = 80) -> Path:
    """Render one page with pdftoppm (to look at the layout and glyphs)."""
    prefix = pdf_path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
         str(pdf_path), f"{prefix}-p{page}"],
        check=True,
    )  # fmt: skip
    return Path(f"{prefix}-p{page}.png")
