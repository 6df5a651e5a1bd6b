"""Copy the screenshots the user guides name from the browser tests' output into docs/guide.

A guide names an image as ``screenshots/<lang>/<name>.png`` (relative to ``docs/guide/``). The
browser tests write ``<artifacts>/screenshots/<lang>/<name>.png`` (``Site.shoot``); the older
``test_browser.py`` writes ``<artifacts>/screenshots/<name>-<lang>.png``, which is taken when the
first is missing. Exactly the images the guides name are kept: one no test produced fails the
run, naming it, and an image no guide names any more is removed. An image over ``LARGE`` bytes is
re-encoded with 256 colours (Pillow) when that is smaller: screenshots of pages stay legible at
about a third of their size.

    python scripts/guide_screenshots.py [--artifacts DIR]

``--artifacts`` defaults to ``$EPIBRIDGE_TEST_ARTIFACTS``, else ``test-artifacts`` (as the tests).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ROOT / "docs" / "guide"
TARGET = GUIDES / "screenshots"
LANGS = ("en", "ru", "zh")
LARGE = 100_000
#: How a guide names an image: ``screenshots/<lang>/<name>.png``.
REFERENCE = re.compile(r"screenshots/(en|ru|zh)/([a-z0-9][a-z0-9-]*)\.png")


def references(guides: Path = GUIDES) -> dict[tuple[str, str], list[str]]:
    """Every (lang, name) the guides name, with the guides that name it."""
    found: dict[tuple[str, str], list[str]] = {}
    for guide in sorted(guides.glob("*.md")):
        for lang, name in REFERENCE.findall(guide.read_text(encoding="utf-8")):
            found.setdefault((lang, name), []).append(guide.name)
    return found


def source(shots: Path, lang: str, name: str) -> Path | None:
    """The test output for (lang, name), in either layout the tests write; None when absent."""
    for candidate in (shots / lang / f"{name}.png", shots / f"{name}-{lang}.png"):
        if candidate.is_file():
            return candidate
    return None


def smaller(data: bytes) -> bytes:
    """``data`` re-encoded with 256 colours when that is smaller; as it is without Pillow."""
    try:
        from PIL import Image
    except ImportError:
        return data
    with Image.open(io.BytesIO(data)) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        out = io.BytesIO()
        reduced.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(data) else data


def copy(shots: Path, target: Path = TARGET, guides: Path = GUIDES) -> list[str]:
    """Copy every named image into ``target``; return the names no test produced."""
    wanted = references(guides)
    missing = []
    for (lang, name), named_in in sorted(wanted.items()):
        found = source(shots, lang, name)
        if found is None:
            missing.append(f"{lang}/{name}.png (named in {', '.join(sorted(set(named_in)))})")
            continue
        data = found.read_bytes()
        if len(data) > LARGE:
            data = smaller(data)
        destination = target / lang / f"{name}.png"
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
    keep = {target / lang / f"{name}.png" for lang, name in wanted}
    for old in sorted(target.glob("*/*.png")):
        if old not in keep:
            old.unlink()
    for folder in target.iterdir() if target.is_dir() else ():
        if folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = os.environ.get("EPIBRIDGE_TEST_ARTIFACTS", str(ROOT / "test-artifacts"))
    parser.add_argument("--artifacts", default=default, help="the tests' artifacts folder")
    shots = Path(parser.parse_args(argv).artifacts) / "screenshots"
    if importlib.util.find_spec("PIL") is None:
        print("Pillow is not installed: large images are copied as they are", file=sys.stderr)
    missing = copy(shots)
    total = sum(p.stat().st_size for p in TARGET.glob("*/*.png"))
    count = len(list(TARGET.glob("*/*.png")))
    print(f"{count} screenshots in {TARGET.relative_to(ROOT)} ({total / 1e6:.1f} MB)")
    if missing:
        print(f"no test produced these images (looked in {shots}):", file=sys.stderr)
        for line in missing:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
