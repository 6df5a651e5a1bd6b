"""The user guides (docs/guide) stay true to the system: a guide per role, every image they show
committed and shot by a browser test in its language, every page address they name served by
the app. No browser here: the tests read the guides, the browser tests' source and the routes.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import re
from pathlib import Path
from types import ModuleType

import pytest

from epibridge.app import create_app
from epibridge.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ROOT / "docs" / "guide"
BROWSER_TESTS = ROOT / "tests" / "web"
ROLES = ("focal-point.md", "secretariat.md", "administrator.md")
PNG = b"\x89PNG\r\n\x1a\n"
#: A page or API address in an inline code span: `/path`, `GET /path`, `POST /path`.
ADDRESS = re.compile(r"`(?:(?:GET|POST) )?(/[^`\s]*)`")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _script() -> ModuleType:
    """scripts/guide_screenshots.py, the one reading of what a guide names."""
    path = ROOT / "scripts" / "guide_screenshots.py"
    spec = importlib.util.spec_from_file_location("guide_screenshots", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _script()


def _shots() -> dict[str, list[str]]:
    """Each literal name passed to a ``shoot``/``_shoot`` call under tests/web, with the source
    of each test function (decorators included) that shoots it."""
    found: dict[str, list[str]] = {}
    for path in sorted(BROWSER_TESTS.glob("test_*.py")):
        source = path.read_text(encoding="utf-8")
        for test in ast.parse(source).body:
            if not isinstance(test, ast.FunctionDef):
                continue
            text = "\n".join(
                ast.get_source_segment(source, node) or "" for node in [*test.decorator_list, test]
            )
            for node in ast.walk(test):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if not called.endswith("shoot"):
                    continue
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.setdefault(arg.value, []).append(text)
    return found


def _switches_to(test: str, lang: str) -> bool:
    """Whether a test's source asks for ``lang`` (``"ru"``, ``lang=ru``, ``?lang=zh``)."""
    return re.search(rf"[\"'=]{lang}\b", test) is not None


def test_there_is_a_guide_for_each_role_with_pictures_in_three_languages() -> None:
    named = SCRIPT.references(GUIDES)
    for guide in ROLES:
        text = (GUIDES / guide).read_text(encoding="utf-8")
        assert text.startswith("# Guide for "), guide
        langs = {lang for (lang, _), files in named.items() if guide in files}
        assert langs == {"en", "ru", "zh"}, (guide, langs)
    index = (GUIDES / "README.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for guide in ROLES:
        assert f"]({guide})" in index, guide
        assert f"](docs/guide/{guide})" in readme, guide


def test_every_image_a_guide_names_is_committed_and_none_other() -> None:
    named = SCRIPT.references(GUIDES)
    assert len(named) >= 30
    for lang, name in named:
        path = GUIDES / "screenshots" / lang / f"{name}.png"
        assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run `make screenshots`"
        assert path.read_bytes()[:8] == PNG, path
    committed = {(p.parent.name, p.stem) for p in (GUIDES / "screenshots").glob("*/*.png")}
    assert committed - set(named) == set(), "images no guide shows: run `make screenshots`"


def test_every_image_a_guide_names_is_shot_by_a_browser_test_in_its_language() -> None:
    shots = _shots()
    assert {"event-page", "audit-log", "notification-form-en"} <= set(shots)
    unshot = []
    for lang, name in SCRIPT.references(GUIDES):
        if f"{name}-{lang}" in shots:  # test_browser.py's names carry their language
            continue
        tests = shots.get(name, [])
        if not tests or (lang != "en" and not any(_switches_to(s, lang) for s in tests)):
            unshot.append(f"{lang}/{name}")
    assert unshot == [], f"no browser test shoots these in their language: {unshot}"


def _routes(tmp_path: Path) -> list[re.Pattern[str]]:
    """The app's paths as patterns, a ``{parameter}`` standing for one or more characters."""
    from fastapi.routing import iter_route_contexts

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'guides.db'}",
        var_dir=tmp_path / "var",
        secret_key="guides-test",
    )
    app = create_app(settings)
    paths = {
        getattr(route, "path_format", None) or getattr(route, "path", "")
        for route in iter_route_contexts(app.routes)
    }
    patterns = []
    for path in sorted(p for p in paths if p):
        parts = re.split(r"(\{[^}]+\})", path)
        body = "".join(
            ("[^/]+" if not p.endswith(":path}") else ".+") if p.startswith("{") else re.escape(p)
            for p in parts
        )
        patterns.append(re.compile(f"^{body}$"))
    return patterns


def _addresses() -> dict[str, list[str]]:
    """Every address a guide names in inline code (not in command examples), with its guides."""
    found: dict[str, list[str]] = {}
    for guide in sorted(GUIDES.glob("*.md")):
        prose = FENCE.sub("", guide.read_text(encoding="utf-8"))
        for address in ADDRESS.findall(prose):
            found.setdefault(address, []).append(guide.name)
    return found


def test_every_page_a_guide_names_exists(tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    addresses = _addresses()
    assert len(addresses) >= 30 and "/notifications/{id}" in addresses
    unknown = []
    for address, guides in sorted(addresses.items()):
        path = re.split(r"[?#]", address)[0]
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        if not any(route.match(concrete) for route in routes):
            unknown.append(f"{address} ({', '.join(sorted(set(guides)))})")
    assert unknown == [], f"addresses the app does not serve: {unknown}"
    assert not any(route.match("/notifications/1/undo") for route in routes)  # can fail


def test_the_makefile_target_runs_the_browser_tests_then_copies() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^screenshots:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None, "no `screenshots` target"
    steps = recipe.group(1)
    assert "pytest -m browser tests/web" in steps
    assert steps.index("pytest") < steps.index("scripts/guide_screenshots.py")


def _png(size: tuple[int, int], noisy: bool = False) -> bytes:
    image_module = pytest.importorskip("PIL.Image")
    if noisy:
        image = image_module.effect_noise(size, 64).convert("RGB")
    else:
        image = image_module.new("RGB", size, (16, 64, 128))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_the_copy_takes_both_layouts_names_what_is_missing_and_drops_the_rest(
    tmp_path: Path,
) -> None:
    guides, shots, target = tmp_path / "guide", tmp_path / "shots", tmp_path / "guide" / "shots"
    guides.mkdir()
    (guides / "a.md").write_text(
        "![x](screenshots/en/page.png) [ru](screenshots/ru/page.png) "
        "![y](screenshots/en/form.png) ![z](screenshots/zh/gone.png)\n",
        encoding="utf-8",
    )
    (shots / "en").mkdir(parents=True)
    (shots / "ru").mkdir()
    small, large = _png((40, 30)), _png((900, 900), noisy=True)
    assert len(large) > SCRIPT.LARGE
    (shots / "en" / "page.png").write_bytes(large)
    (shots / "ru" / "page.png").write_bytes(small)
    (shots / "form-en.png").write_bytes(small)  # test_browser.py's layout
    (target / "en").mkdir(parents=True)
    (target / "en" / "stale.png").write_bytes(small)

    missing = SCRIPT.copy(shots, target=target, guides=guides)

    assert missing == ["zh/gone.png (named in a.md)"]
    assert sorted(str(p.relative_to(target)) for p in target.glob("*/*.png")) == [
        "en/form.png",
        "en/page.png",
        "ru/page.png",
    ]
    assert (target / "ru" / "page.png").read_bytes() == small  # small ones are copied as they are
    reduced = (target / "en" / "page.png").read_bytes()
    assert reduced[:8] == PNG and len(reduced) < len(large)


def _anchors(page: Path) -> set[str]:
    """The heading anchors of a Markdown page, as GitHub makes them."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", page.read_text(encoding="utf-8")), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_link_of_a_guide_leads_somewhere() -> None:
    checked = 0
    for guide in sorted(GUIDES.glob("*.md")):
        for target in re.findall(r"\]\(([^)\s]+)\)", guide.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            file, _, anchor = target.partition("#")
            page = (guide.parent / file).resolve() if file else guide
            assert page.exists(), f"{guide.name}: {target} does not exist"
            if anchor:
                assert anchor in _anchors(page), f"{guide.name}: no heading for {target}"
            checked += 1
    assert checked >= 80
