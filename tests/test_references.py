"""Every reference inside the repository leads somewhere inside it (issue 25 item 1): code,
tests and docs name only files the repository holds, so the next maintainer can follow them.

Three kinds are checked in every tracked text file: a path under one of the repository's own
folders (`docs/relay.md`, `tracker_git/core/git.py`, `tests/test_structure.py`), a Markdown
link to a relative path, and a citation of a document that lives outside the repository (the
design notes the project started from: a spec, research notes), which is always an error: what
the code relies on belongs in docs/ (see docs/contributing.md)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP_FOLDERS = ("docs", "tracker_git", "tests", "testing", "bench", "scripts", "hooks", "ci")
TEXT = (".py", ".md", ".toml", ".yml", ".yaml", ".sh", ".1", "")
# A path under one of our folders: docs/x.md, tracker_git/core/, tests/relay/test_queue.py.
OWN_PATH = re.compile(r"(?<![\w./-])(?:\./)?((?:" + "|".join(TOP_FOLDERS) + r")/[\w./-]*[\w/])")
MD_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
# Documents outside the repository, as the code once cited them.
# (docs/design/ has pages of the same names: a bare name is the outside one.)
OUTSIDE = re.compile(
    r"\bSPEC\b|\bresearch/"
    r"|(?<![\w/-])(?:tracker-api|forges|peers|feasibility|aesthetics)\.md\b"
)


def tracked_files() -> list[Path]:
    names = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    return [ROOT / name for name in names if name and Path(name).suffix in TEXT]


def exists(reference: str, source: Path) -> bool:
    reference = reference.rstrip(".")
    if any(char in reference for char in "*{}<>"):  # a pattern or a placeholder, not a path
        return True
    module, _, attribute = reference.rpartition(".")
    if attribute[:1].isupper():  # testing/keyring_session.INSTALL: a module's attribute
        reference = f"{module}.py"
    # From the top, from the citing file's folder, or inside the package (core/git.py).
    bases = (ROOT, source.parent, ROOT / "tracker_git")
    return any((base / reference).exists() for base in bases)


def broken_references(path: Path) -> list[str]:
    found = []
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, IsADirectoryError):
        return []
    relative = path.relative_to(ROOT)
    for number, line in enumerate(text.splitlines(), start=1):
        for match in OUTSIDE.finditer(line):
            if path.suffix == ".md" and f"({match.group()}" in line:
                continue  # a Markdown link to a sibling page: checked below
            found.append(f"{relative}:{number}: {match.group()} (outside the repository)")
        for match in OWN_PATH.finditer(line):
            quoted = match.start() > 0 and line[match.start() - 1] in "\"'"
            if path.suffix == ".py" and quoted:
                continue  # a value in code (a path inside a test's repository), not a citation
            if not exists(match.group(1), path):
                found.append(f"{relative}:{number}: {match.group(1)} (no such path)")
        if path.suffix == ".md":
            prose = re.sub(r"`[^`]*`", "", line)  # a link shown as code is an example
            for match in MD_LINK.finditer(prose):
                target = match.group(1)
                if "://" in target or "{" in target or target.startswith(("mailto:", "#")):
                    continue
                if not (path.parent / target).exists():
                    found.append(f"{relative}:{number}: {target} (broken link)")
    return found


def test_every_reference_leads_inside_the_repository() -> None:
    files = tracked_files()
    assert len(files) > 100
    broken = [
        problem for path in files if path != Path(__file__) for problem in broken_references(path)
    ]
    assert broken == []


def test_the_checker_sees_each_kind(tmp_path: Path) -> None:
    folder = ROOT / "docs"
    page = folder / "__reference_check__.md"
    page.write_text(
        'See SPEC "Names" and tracker-api.md §2.1 and research/peers.md.\n'
        "Read docs/no-such-page.md and [this](no-such.md) and docs/relay.md, [ok](relay.md).\n"
        "tracker_git/core/git.py exists, tracker_git/core/nothing.py does not.\n"
        "An example in code, `[KEY](link)`, is not a link.\n"
    )
    try:
        problems = broken_references(page)
    finally:
        page.unlink()
    assert [p.split(": ", 1)[1] for p in problems] == [
        "SPEC (outside the repository)",
        "tracker-api.md (outside the repository)",
        "research/ (outside the repository)",
        "docs/no-such-page.md (no such path)",
        "no-such.md (broken link)",
        "tracker_git/core/nothing.py (no such path)",
    ]
