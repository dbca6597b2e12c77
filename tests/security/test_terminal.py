"""Text from outside never drives the terminal (issue 19 item 5): an issue summary, a status, a
user name, a forge's or Tracker's error and an address or a folder name from a repository are
shown with C0, C1, DEL and the bidi controls escaped, by the one printer (core/output.py);
prompts too. Played with the real CLI against the sandbox holding hostile text, and on a real
pseudo-terminal for the trust prompt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testing.repos import make_repo
from testing.servers import SandboxHandle
from tracker_git.core import output

CLI = str(Path(sys.executable).parent / "git-tracker")
LIMIT = 60  # seconds: a guard against a hang, not a measurement
# Clear the screen, set the window title, an OSC 8 link, a CSI by its C1 byte, a carriage
# return over the line, DEL, and the right-to-left override of "Trojan Source".
HOSTILE = "Fix\n  status    Closed\x1b[2J\x1b]0;owned\x07\x1b]8;;https://evil.test\x1b\\x\x9b31m\rok\x7f\u202etxt"
RAW = ("\x1b", "\x07", "\x9b", "\r", "\x7f", "\u202e")


def cli(sb: SandboxHandle, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], cwd=repo, capture_output=True, text=True,
        env={**os.environ, **sb.env}, timeout=LIMIT, check=False,
    )  # fmt: skip


def clean(text: str) -> None:
    """No control character but the line feed; the hostile text shows, escaped."""
    for raw in RAW:
        assert raw not in text, (raw, text)
    assert "\\x1b[2J" in text and "\\u202e" in text, text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\rb", "a\\rb"),
        ("a\nb", "a\\nb"),
        ("\x00\x7f\x85\x9b\x9f", "\\x00\\x7f\\x85\\x9b\\x9f"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("\u061c\u200e\u200f\u202a\u202e\u2066\u2069", "\\u061c\\u200e\\u200f\\u202a\\u202e\\u2066\\u2069"),
        ("Починить экспорт ✓ 😀‍🔥", "Починить экспорт ✓ 😀‍🔥"),  # letters and emoji stay
    ],
)  # fmt: skip
def test_escape_shows_every_control_visibly(raw: str, shown: str) -> None:
    assert output.escape(raw) == shown


def test_the_printer_keeps_only_its_own_line_feeds(capsys: pytest.CaptureFixture[str]) -> None:
    output.result(f"one\n{HOSTILE}")
    output.error(HOSTILE)
    output.marked("ok", "32", HOSTILE)
    seen = capsys.readouterr()
    clean(seen.out + seen.err)
    assert seen.out.startswith("one\nFix\n  status    Closed\\x1b[2J")


def test_json_output_holds_no_control_and_parses_back_to_the_same_text() -> None:
    text = output.json_text({"summary": HOSTILE}, indent=2)
    for raw in RAW:
        assert raw not in text
    assert json.loads(text) == {"summary": HOSTILE}


@pytest.fixture
def hostile(sandbox: SandboxHandle) -> str:
    """An issue whose summary, status name and assignee's name are hostile; its key."""
    state = sandbox.state
    with state.lock:
        for status in state.data["statuses"]:
            status["name"] = f"{status['name']} {HOSTILE}"
        state.myself["display"] = f"Ann {HOSTILE}"
    return state.add_issue(HOSTILE, assignee=state.data["myself"])


def test_show_escapes_what_tracker_says(
    sandbox: SandboxHandle, hostile: str, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    done = cli(sandbox, repo, "show", hostile)
    assert done.returncode == 0, done.stderr
    clean(done.stdout)
    first = done.stdout.splitlines()[0]
    assert first.startswith(f"{hostile}: Fix\\n  status    Closed\\x1b[2J\\x1b]0;owned\\x07")

    assert len(done.stdout.splitlines()) == 4  # key and summary, status, assignee, link

    as_json = cli(sandbox, repo, "show", "--json", hostile)
    for raw in RAW:
        assert raw not in as_json.stdout
    assert json.loads(as_json.stdout)["issue"]["summary"] == HOSTILE


def test_move_and_whoami_escape_what_tracker_says(
    sandbox: SandboxHandle, hostile: str, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    moved = cli(sandbox, repo, "move", "inProgress", hostile)
    assert moved.returncode == 0, moved.stderr
    clean(moved.stdout + moved.stderr)
    refused = cli(sandbox, repo, "move", "closed", hostile)  # the error lists the statuses
    assert refused.returncode == 1
    clean(refused.stderr)
    assert refused.stderr.count("\n") == 1

    me = cli(sandbox, repo, "whoami")
    assert me.returncode == 0, me.stderr
    clean(me.stdout)


def test_doctor_escapes_what_tracker_says(
    sandbox: SandboxHandle, hostile: str, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    done = cli(sandbox, repo, "doctor")
    clean(done.stdout)


def test_the_trust_prompt_escapes_the_repository_folder(tmp_path: Path) -> None:
    """The prompt itself goes through the printer: a folder name that sets the window title
    and clears the screen is shown escaped, on a real terminal."""
    repo = make_repo(tmp_path / "repo\x1b]0;owned\x07\x1b[2J")
    (repo / ".tracker-git.toml").write_text('[tracker]\napi_url = "https://tracker.example.test"\n')
    main, secondary = os.openpty()
    proc = subprocess.Popen(
        [CLI, "trust"], cwd=repo, stdin=secondary, stdout=secondary, stderr=secondary,
        env=os.environ.copy(), start_new_session=True,
    )  # fmt: skip
    os.close(secondary)
    seen = b""
    try:
        while b"[y/N]" not in seen:
            chunk = os.read(main, 4096)
            assert chunk, seen
            seen += chunk
        os.write(main, b"n\r")
        assert proc.wait(timeout=LIMIT) == 1
    finally:
        proc.kill()
        os.close(main)
    text = seen.decode()
    assert "\x1b" not in text and "\x07" not in text, text
    assert text.count("repo\\x1b]0;owned\\x07\\x1b[2J") >= 2, text  # the list and the question
