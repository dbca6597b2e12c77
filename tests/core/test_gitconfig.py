"""The hooks' own reader of git's config files (core/gitconfig.py) against git itself, in process.

The reader answers one question, "may a file git reads set a message setting?", without
starting git; so it must follow includes exactly as git does, or give up (ask git). Each row
builds real config files in its own folder and asks git (one `git config` per row, run in a
repository on `main`, with HOME and GIT_CONFIG_GLOBAL pointing into that folder and no system
file) which files it read: the reader must name the same ones, in git's order, or give up where
the row says it does.
"""

from __future__ import annotations

import marshal
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git.core import gitconfig, gitstate, paths

REAL_GIT = shutil.which("git") or "git"
SETTING = "[core]\n\tcommentChar = D\n"
NAMES_PATTERN = r"^(core\.commentchar|core\.commentstring|commit\.cleanup)$"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a repository on `main` (`repo`), the rows' folders next to it."""
    root = tmp_path_factory.mktemp("gitconfig")
    make_repo(root / "repo")
    return root


def hermetic(home: Path, top: Path) -> dict[str, str]:
    """git's environment for a row: `top` is the only config file git reads but the repo's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_"))}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(top), GIT_CONFIG_NOSYSTEM="1")
    return env


def build(folder: Path, top: str, files: dict[str, str]) -> Path:
    """Write the row's files (each sets a key of its own, so git's --show-origin names it) and
    its top file, `{d}` in names and texts standing for the row's folder; returns the top file."""
    (folder / "home").mkdir(parents=True)
    for name, text in files.items():
        path = folder / name.format(d=folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text or f"[x]\n\tfile = {len(name)}\n", encoding="utf-8", newline="")
    (folder / "top").write_text(top.format(d=folder), encoding="utf-8", newline="")
    return folder / "top"


def read_by_git(repo: Path, home: Path, top: Path) -> list[str]:
    """The files git reads besides `top` and the repository's own config, in its order."""
    proc = subprocess.run(
        ["git", "-C", str(repo), "config", "-z", "--list", "--show-origin"],
        env=hermetic(home, top),
        capture_output=True,
        check=True,
    )
    fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    ours = {str(top), ".git/config"}  # the repository's own, as git names it
    origins = [f.removeprefix("file:") for f in fields[0::2] if f.startswith("file:")]
    return list(dict.fromkeys(os.path.normpath(o) for o in origins if o not in ours))


# (id, top file, other files {name: text, "" for a file that only sets a key of its own},
#  files the reader reads that git does not (a condition that does not hold: the reader
#  follows every include whatever its condition)); `{d}` is the row's folder, HOME is {d}/home.
FOLLOWED = [
    ("absolute", "[include]\n\tpath = {d}/a\n", {"a": ""}, ()),
    ("relative", "[include]\n\tpath = sub/a\n", {"sub/a": ""}, ()),
    ("home", "[include]\n\tpath = ~/a\n", {"home/a": ""}, ()),
    ("case", "[INCLUDE]\n\tPATH = a\n[Include]\n\tPath = b\n", {"a": "", "b": ""}, ()),
    (
        "in-order",
        "[include]\n\tpath = c\n\tpath = a\n\tpath = b\n",
        {"a": "", "b": "", "c": ""},
        (),
    ),
    ("missing-skipped", "[include]\n\tpath = gone\n\tpath = a\n", {"a": ""}, ()),
    ("not-a-folder", "[include]\n\tpath = a/b\n\tpath = c\n", {"a": "", "c": ""}, ()),
    ("gitdir", '[includeIf "gitdir:{r}/"]\n\tpath = a\n', {"a": ""}, ()),
    ("gitdir-i", '[includeIf "gitdir/i:{R}/"]\n\tpath = a\n', {"a": ""}, ()),
    ("onbranch", '[includeIf "onbranch:main"]\n\tpath = a\n', {"a": ""}, ()),
    ("other-branch", '[includeIf "onbranch:topic"]\n\tpath = a\n', {"a": ""}, ("a",)),
    ("other-gitdir", '[includeIf "gitdir:/elsewhere/"]\n\tpath = a\n', {"a": ""}, ("a",)),
    ("empty-condition", '[includeIf ""]\n\tpath = a\n', {"a": ""}, ("a",)),
    ("includeif-without-condition", "[includeIf]\n\tpath = a\n", {"a": ""}, ()),
    ("include-with-subsection", '[include "x"]\n\tpath = a\n', {"a": ""}, ()),
    ("dotted-include", "[include.x]\n\tpath = a\n", {"a": ""}, ()),
    ("other-section", "[alias]\n\tpath = a\n", {"a": ""}, ()),
    ("section-ends", "[include]\n\tpath = a\n[alias]\n\tpath = b\n", {"a": "", "b": ""}, ()),
    ("other-key", "[include]\n\tpaths = a\n\tpath = b\n\tx = 1\n", {"a": "", "b": ""}, ()),
    ("on-header-line", "[include] path = a\n", {"a": ""}, ()),
    ("after-another-header", "[user] [include] path = a\n", {"a": ""}, ()),
    ("two-headers-then-other", "[include][alias] path = a\n", {"a": ""}, ()),
    ("subsection-tabs", '[includeIf\t \t"onbranch:main"]\tpath = a\n', {"a": ""}, ()),
    (
        "comments",
        "# [include]\n[include] ; note\n\t# path = b\n\t; path = b\n\tpath = a ; c\n",
        {"a": "", "b": ""},
        (),
    ),
    ("hash-comment", "[include]\n\tpath = a# c\n", {"a": ""}, ()),
    ("blank-lines", "\n\n[include]\n\n  \n\tpath = a\n\n", {"a": ""}, ()),
    ("quoted", '[include]\n\tpath = "a b"\n', {"a b": ""}, ()),
    ("quoted-comment-chars", '[include]\n\tpath = "a;b#c"\n', {"a;b#c": ""}, ()),
    ("quoted-spaces-kept", '[include]\n\tpath = " a "\n', {" a ": ""}, ()),
    ("quotes-inside", '[include]\n\tpath = a"b"c  # x\n', {"abc": ""}, ()),
    ("empty-quotes-first", '[include]\n\tpath = "" a\n', {"a": ""}, ()),
    ("spaces-between", "[include]\n\tpath =   a  b  \n", {"a  b": ""}, ()),
    ("quote-then-space", '[include]\n\tpath = "a" b\n', {"a b": ""}, ()),
    ("tabs-around", "[include]\n\tpath\t=\ta\t\n", {"a": ""}, ()),
    ("no-spaces", "[include]\npath=a\n", {"a": ""}, ()),
    ("crlf", "[include]\r\n\tpath = a\r\n", {"a": ""}, ()),
    ("bom", "\ufeff[include]\n\tpath = a\n", {"a": ""}, ()),
    ("no-break-space-kept", "[include]\n\tpath = a\u00a0\n", {"a\u00a0": "", "a": ""}, ()),
    ("vertical-tab-kept", "[include]\n\tpath = a\vb\n", {"a\vb": ""}, ()),
    ("vertical-tab-at-the-end", "[include] path = a\v\n", {"a\v": "", "a": ""}, ()),
    ("capital-x", "[include]\n\tpath = aXb\n", {"aXb": "", "a": ""}, ()),
    ("comment-spelled-include", "# include nothing\n[alias]\n\tx = y\n", {}, ()),
]


@pytest.mark.parametrize(
    ("top", "files", "more"), [row[1:] for row in FOLLOWED], ids=[row[0] for row in FOLLOWED]
)
def test_includes_are_followed_as_git_follows_them(
    root: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    top: str,
    files: dict[str, str],
    more: tuple[str, ...],
) -> None:
    repo = root / "repo"
    folder = root / request.node.callspec.id
    top = top.replace("{r}", str(repo)).replace("{R}", str(repo).upper())
    path = build(folder, top, files)
    monkeypatch.setenv("HOME", str(folder / "home"))
    found = gitconfig._included(path.read_bytes().decode(), str(path))
    assert found is not None
    existing = list(dict.fromkeys(os.path.normpath(p) for p in found if os.path.isfile(p)))
    extra = [str(folder / name) for name in more]
    assert [p for p in existing if p not in extra] == read_by_git(repo, folder / "home", path)
    assert set(extra) <= set(existing)


# (id, top file): what the reader leaves to git (returns None for), and why.
GIVEN_UP = [
    ("escape", '[include]\n\tpath = "a\\\\b"\n'),
    ("continued-line", "[include]\n\tpath = a \\\n b\n"),
    ("continued-elsewhere", "[alias]\n\tx = a \\\n[include] path = b\n"),
    ("another-users-home", "[include]\n\tpath = ~root/x\n"),
    ("bare-tilde", "[include]\n\tpath = ~\n"),
    ("prefix", "[include]\n\tpath = %(prefix)/etc/x\n"),
    ("empty", "[include]\n\tpath =\n"),
    ("only-a-comment", "[include]\n\tpath = # x\n"),
    ("no-value", "[include]\n\tpath\n"),
    ("odd-key-line", "[include]\n\t-path = a\n"),
    ("two-words", "[include]\n\tX y\n"),
    ("odd-space-after-header", "[include]\v path = a\n"),  # git: a bad line
    ("key-then-comment", "[include]\n\tpath # a\n"),
    ("unclosed-quote", '[include]\n\tpath = "a\n'),
    ("escaped-subsection", '[includeIf "a\\"b"]\n\tpath = a\n'),
    ("bad-header", "[include\n\tpath = a\n"),
    ("bad-header-later", "[alias]\n[in clude]\n"),
    ("tab-between-words", "[include]\n\tpath = a\tb\n"),
    ("cr-between-words", "[include]\n\tpath = a\rb\n"),
]


@pytest.mark.parametrize("top", [row[1] for row in GIVEN_UP], ids=[row[0] for row in GIVEN_UP])
def test_includes_only_git_can_follow_are_left_to_git(tmp_path: Path, top: str) -> None:
    assert gitconfig._included(top, str(tmp_path / "top")) is None


def test_home_is_needed_for_a_tilde(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "[include]\n\tpath = ~/a\n"
    monkeypatch.setenv("HOME", "/somewhere")
    assert gitconfig._included(text, str(tmp_path / "top")) == ["/somewhere/a"]
    monkeypatch.setenv("HOME", "")
    assert gitconfig._included(text, str(tmp_path / "top")) is None
    monkeypatch.delenv("HOME")
    assert gitconfig._included(text, str(tmp_path / "top")) is None


def asked_of_git(repo: Path, home: Path, top: Path) -> str:
    """What `git config` finds of the message settings: "set", "unset" or "fails"."""
    proc = subprocess.run(
        ["git", "-C", str(repo), "config", "--get-regexp", NAMES_PATTERN],
        env=hermetic(home, top),
        capture_output=True,
        check=False,
    )
    return {0: "set", 1: "unset"}.get(proc.returncode, "fails")


def chain(length: int, last: str) -> dict[str, str]:
    """Files c1..c<length>, each including the next; the last holds `last`."""
    files = {f"c{i}": f"[include]\n\tpath = c{i + 1}\n" for i in range(1, length)}
    files[f"c{length}"] = last
    return files


# (id, top file, other files, what git finds, what the reader says: may the files set one?)
MENTIONS = [
    ("nothing", "[user]\n\tname = x\n", {}, "unset", False),
    ("in-the-file", "[core]\n\tcommentChar = D\n", {}, "set", True),
    ("any-case", "[CORE]\n\tCOMMENTSTRING = D\n", {}, "set", True),
    ("cleanup", "[commit]\n\tcleanup = verbatim\n", {}, "set", True),
    ("word-elsewhere", "[alias]\n\tcomment = x\n", {}, "unset", True),
    ("included", "[include]\n\tpath = a\n", {"a": SETTING}, "set", True),
    ("included-clean", "[include]\n\tpath = a\n\tpath = gone\n", {"a": ""}, "unset", False),
    (
        "second-included",
        "[include]\n\tpath = a\n\tpath = b\n",
        {"a": "", "b": SETTING},
        "set",
        True,
    ),
    ("depth-10-clean", "[include]\n\tpath = c1\n", chain(10, ""), "unset", False),
    ("depth-10-set", "[include]\n\tpath = c1\n", chain(10, SETTING), "set", True),
    # git dies past its depth: the reader gives up (asks git) where git would fail.
    (
        "depth-11",
        "[include]\n\tpath = c1\n",
        chain(11, ""),
        "fails",
        True,
    ),
    ("cycle", "[include]\n\tpath = top\n", {}, "fails", True),
    ("a-folder", "[include]\n\tpath = sub\n", {"sub/x": ""}, "fails", True),
    ("given-up", "[include]\n\tpath = %(prefix)/x\n", {}, "unset", True),
    (
        "given-up-below",
        "[include]\n\tpath = a\n",
        {"a": "[include]\n\tpath = ~root/x\n"},
        "unset",
        True,
    ),
]


@pytest.mark.parametrize(
    ("top", "files", "by_git", "expected"),
    [row[1:] for row in MENTIONS],
    ids=[row[0] for row in MENTIONS],
)
def test_mentions_agrees_with_git(
    root: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    top: str,
    files: dict[str, str],
    by_git: str,
    expected: bool,
) -> None:
    folder = root / f"mentions-{request.node.callspec.id}"
    path = build(folder, top, files)
    monkeypatch.setenv("HOME", str(folder / "home"))
    assert asked_of_git(root / "repo", folder / "home", path) == by_git
    assert gitconfig._mentions(str(path)) is expected
    if by_git != "unset":
        assert expected  # where git finds a setting, or fails, the reader must ask it


def test_mentions_of_a_file_that_is_not_utf8(root: Path) -> None:
    folder = root / "latin-1"
    folder.mkdir()
    (folder / "top").write_bytes(b"[user]\n\tname = Andr\xe9\n[include]\n\tpath = caf\xe9\n")
    (folder / "caf\udce9").write_text("[user]\n\temail = x\n")
    assert asked_of_git(root / "repo", folder, folder / "top") == "unset"
    assert gitconfig._mentions(str(folder / "top")) is False
    (folder / "caf\udce9").write_text(SETTING)
    assert asked_of_git(root / "repo", folder, folder / "top") == "set"
    assert gitconfig._mentions(str(folder / "top")) is True


def test_an_endless_file_is_not_read_to_its_end(tmp_path: Path) -> None:
    """An include may name a FIFO or a device: the reader stops after _MAX_FILE + 1 bytes
    (and leaves the file to git), so the writer finds the pipe closed before it is done."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    outcome: list[str] = []

    def write() -> None:
        with open(fifo, "wb") as f:
            try:
                for _ in range(gitconfig._MAX_FILE // 65536 + 32):
                    f.write(b"#" * 65536)
                    f.flush()
            except BrokenPipeError:
                outcome.append("closed early")
                return
        outcome.append("all written")

    writer = threading.Thread(target=write)
    writer.start()
    assert gitconfig._mentions(str(fifo)) is True
    writer.join(60)
    assert outcome == ["closed early"]


def test_mentions_of_missing_and_large_files(tmp_path: Path) -> None:
    assert gitconfig._mentions(str(tmp_path / "gone")) is False
    assert gitconfig._mentions(str(tmp_path / "gone" / "deeper")) is False
    (tmp_path / "file").write_text("")
    assert gitconfig._mentions(str(tmp_path / "file" / "deeper")) is False  # not a folder
    assert gitconfig._mentions(str(tmp_path)) is True  # unreadable: git is asked
    line = b"# a long note line\n"
    exact = line * (gitconfig._MAX_FILE // len(line)) + b"#" * (gitconfig._MAX_FILE % len(line))
    (tmp_path / "large").write_bytes(exact)
    assert gitconfig._mentions(str(tmp_path / "large")) is False
    (tmp_path / "large").write_bytes(exact + b"\n")
    assert gitconfig._mentions(str(tmp_path / "large")) is True  # never read without bound


# The system file: asked of the `git` on PATH, kept in the cache.


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `git` first on PATH: the real one, but its system file is $FAKE_SYSTEM where that is
    set (as if built with another prefix), it logs each call to $FAKE_LOG, and answers the
    system file question with $FAKE_SAYS and exit code $FAKE_CODE where those are set."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "git"
    script.write_text(
        "#!/bin/sh\n"
        'echo "$*" >> "${FAKE_LOG:-/dev/null}"\n'
        'if [ -n "${FAKE_SAYS+x}" ]; then printf %s "$FAKE_SAYS"; exit "${FAKE_CODE:-0}"; fi\n'
        'if [ -n "$FAKE_SYSTEM" ]; then GIT_CONFIG_SYSTEM="$FAKE_SYSTEM"; export GIT_CONFIG_SYSTEM; fi\n'
        f'exec "{REAL_GIT}" "$@"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log"))
    return folder


def calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "log"
    found = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return found


def system_file_by_git() -> str:
    """The real git's system file, from git's own reading of it (the origin of its first
    setting, or the file it says it cannot read)."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM")
    }
    proc = subprocess.run(
        [REAL_GIT, "config", "--system", "--list", "--show-origin"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.match(r"file:(\S+)\t", proc.stdout) or re.search(r"config file '(.+)'", proc.stderr)
    assert found, proc
    return found[1]


def test_the_system_file_is_the_one_git_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(tmp_path / "given"))  # not the built-in one
    built_in = system_file_by_git()
    assert gitconfig._built_in_system_file(os.environ) == built_in
    assert gitconfig._system_files(os.environ) == [built_in, str(tmp_path / "given")]


def test_the_system_file_is_asked_once_per_git(
    tmp_path: Path, fake_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "etc" / "gitconfig"
    system.parent.mkdir()
    monkeypatch.setenv("FAKE_SYSTEM", f"{tmp_path}//etc/./gitconfig")
    assert gitconfig._built_in_system_file(os.environ) == str(system)
    assert calls(tmp_path) == ["config --system --edit"]
    cache = Path(paths.user_cache_dir()) / "gitconfig.marshal"
    program = str(fake_bin / "git")
    st = os.stat(program)
    identity = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]
    assert marshal.loads(cache.read_bytes()) == {program: [identity, str(system)]}
    monkeypatch.setenv("FAKE_SYSTEM", str(tmp_path / "another"))
    assert gitconfig._built_in_system_file(os.environ) == str(system)  # from the cache
    assert calls(tmp_path) == []
    # Another git at the same place (its size changed): asked anew, and both are kept.
    (fake_bin / "git").write_text((fake_bin / "git").read_text() + "\n")
    assert gitconfig._built_in_system_file(os.environ) == str(tmp_path / "another")
    assert calls(tmp_path) == ["config --system --edit"]
    assert marshal.loads(cache.read_bytes())[program][1] == str(tmp_path / "another")


@pytest.mark.parametrize(
    "cached",
    [b"not marshal", marshal.dumps(["a list"]), b""],
    ids=["garbage", "not-a-dict", "empty"],
)
def test_a_broken_cache_is_asked_anew(
    tmp_path: Path, fake_bin: Path, monkeypatch: pytest.MonkeyPatch, cached: bytes
) -> None:
    cache = Path(paths.user_cache_dir()) / "gitconfig.marshal"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(cached)
    monkeypatch.setenv("FAKE_SYSTEM", str(tmp_path / "sys"))
    assert gitconfig._built_in_system_file(os.environ) == str(tmp_path / "sys")
    assert calls(tmp_path) == ["config --system --edit"]
    assert gitconfig._read_cache(str(cache)) == {
        str(fake_bin / "git"): [list(gitconfig_identity(fake_bin)), str(tmp_path / "sys")]
    }


def gitconfig_identity(fake_bin: Path) -> tuple[int, int, int, int]:
    st = os.stat(fake_bin / "git")
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("a list of three", "asked"),
        ("another identity", "asked"),
        ("a number for a name", None),
        ("a good entry", "/cached/gitconfig"),
    ],
)
def test_cache_entries(
    tmp_path: Path,
    fake_bin: Path,
    monkeypatch: pytest.MonkeyPatch,
    entry: str,
    expected: str | None,
) -> None:
    identity = list(gitconfig_identity(fake_bin))
    value: object = {
        "a list of three": [identity, "/cached/gitconfig", "x"],
        "another identity": [[*identity[:3], identity[3] + 1], "/cached/gitconfig"],
        "a number for a name": [identity, 7],
        "a good entry": [identity, "/cached/gitconfig"],
    }[entry]
    cache = Path(paths.user_cache_dir()) / "gitconfig.marshal"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(marshal.dumps({str(fake_bin / "git"): value}))
    monkeypatch.setenv("FAKE_SYSTEM", str(tmp_path / "asked"))
    found = gitconfig._built_in_system_file(os.environ)
    assert found == (str(tmp_path / "asked") if expected == "asked" else expected)
    assert calls(tmp_path) == (["config --system --edit"] if expected == "asked" else [])


def test_an_unwritable_cache_still_answers(
    tmp_path: Path, fake_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    monkeypatch.setenv("FAKE_SYSTEM", str(tmp_path / "sys"))
    for _ in range(2):  # nothing kept: asked each time
        assert gitconfig._built_in_system_file(os.environ) == str(tmp_path / "sys")
        assert calls(tmp_path) == ["config --system --edit"]


@pytest.mark.parametrize(
    ("says", "code", "expected"),
    [
        ("/etc/gitconfig", "0", "/etc/gitconfig"),
        ("/etc/gitconfig", "1", None),
        ("etc/gitconfig", "0", None),
        ("/etc/git\nconfig", "0", None),
        ("", "0", None),
    ],
    ids=["answer", "failed", "relative", "two-lines", "nothing"],
)
def test_odd_answers_about_the_system_file(
    tmp_path: Path,
    fake_bin: Path,
    monkeypatch: pytest.MonkeyPatch,
    says: str,
    code: str,
    expected: str | None,
) -> None:
    monkeypatch.setenv("FAKE_SAYS", says)
    monkeypatch.setenv("FAKE_CODE", code)
    assert gitconfig._built_in_system_file(os.environ) == expected
    cache = Path(paths.user_cache_dir()) / "gitconfig.marshal"
    assert cache.exists() is (expected is not None)  # a failure is not kept: asked next time


def test_the_git_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, third = (tmp_path / name for name in ("first", "second", "third"))
    for folder in (first, second, third):
        folder.mkdir()
    (first / "git").mkdir()  # a folder named git
    (second / "git").write_text("#!/bin/sh\n")  # not executable
    (third / "git").write_text("#!/bin/sh\n")
    (third / "git").chmod(0o755)
    search = os.pathsep.join(map(str, (first, second, third)))
    assert gitconfig._git_program({"PATH": search}) == str(third / "git")
    assert gitconfig._git_program({"PATH": str(first)}) is None
    assert gitconfig._git_program({"PATH": ""}) is None
    assert gitconfig._git_program({}) is None
    monkeypatch.chdir(third)
    assert gitconfig._git_program({"PATH": f"{first}{os.pathsep}"}) == str(third / "git")
    # Without a git to ask, only git can tell (and the hook's call will say it is missing).
    assert gitconfig._built_in_system_file({"PATH": str(first)}) is None
    assert gitconfig._system_files({"PATH": str(first)}) is None


# Which files: the environment.


@pytest.mark.parametrize(
    ("nosystem", "expected"),
    [
        (None, "read"),
        ("", "read"),
        ("0", "read"),
        ("false", "read"),
        ("No", "read"),
        ("OFF", "read"),
        ("1", []),
        ("true", []),
        ("Yes", []),
        ("ON", []),
        ("2", None),
        ("maybe", None),
    ],
)
def test_git_config_nosystem(
    tmp_path: Path,
    fake_bin: Path,
    monkeypatch: pytest.MonkeyPatch,
    nosystem: str | None,
    expected: object,
) -> None:
    monkeypatch.setenv("FAKE_SYSTEM", str(tmp_path / "sys"))
    if nosystem is None:
        monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    else:
        monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", nosystem)
    found = gitconfig._system_files(os.environ)
    assert found == ([str(tmp_path / "sys")] if expected == "read" else expected)


def test_git_config_system(tmp_path: Path, fake_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    monkeypatch.setenv("FAKE_SYSTEM", str(tmp_path / "sys"))
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(tmp_path / "given"))
    assert gitconfig._system_files(os.environ) == [str(tmp_path / "sys"), str(tmp_path / "given")]
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", "")  # git's verdict on an empty name is git's
    assert gitconfig._system_files(os.environ) is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, []),
        ({"GIT_CONFIG_GLOBAL": "/g"}, ["/g"]),
        ({"XDG_CONFIG_HOME": "/x"}, ["/x/git/config"]),
        ({"HOME": "/h"}, ["/h/.config/git/config", "/h/.gitconfig"]),
        (
            {"GIT_CONFIG_GLOBAL": "/g", "XDG_CONFIG_HOME": "/x", "HOME": "/h"},
            ["/g", "/x/git/config", "/h/.config/git/config", "/h/.gitconfig"],
        ),
        ({"GIT_CONFIG_GLOBAL": "", "XDG_CONFIG_HOME": "", "HOME": ""}, []),
    ],
)
def test_global_files(env: dict[str, str], expected: list[str]) -> None:
    assert gitconfig._global_files(env) == expected


# The whole question, on a real repository.


@pytest.fixture
def state(tmp_path: Path) -> gitstate.RepoState:
    """A repository of the test's own (its config is changed)."""
    return gitstate.read_state(str(make_repo(tmp_path / "repo", initial_commit=False)))


@pytest.fixture(scope="module")
def clean(root: Path) -> gitstate.RepoState:
    """A repository that sets nothing, for the tests that only read it."""
    return gitstate.read_state(str(make_repo(root / "clean", initial_commit=False)))


def test_may_be_set_reads_every_file_git_reads(
    tmp_path: Path, fake_bin: Path, monkeypatch: pytest.MonkeyPatch, state: gitstate.RepoState
) -> None:
    repo = Path(state.toplevel)
    assert gitconfig._may_be_set(state) is False
    places = {
        "global": Path(os.environ["GIT_CONFIG_GLOBAL"]),
        "xdg": tmp_path / "xdg" / "git" / "config",
        "home-xdg": Path(os.environ["HOME"]) / ".config" / "git" / "config",
        "home": Path(os.environ["HOME"]) / ".gitconfig",
        "system": tmp_path / "sys",
        "system-given": tmp_path / "given",
        "repo": repo / ".git" / "config",
        "worktree": repo / ".git" / "config.worktree",
    }
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "global"))
    places["global"] = tmp_path / "global"
    monkeypatch.setenv("FAKE_SYSTEM", str(places["system"]))
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(places["system-given"]))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "0")
    for name, path in places.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = path.read_bytes() if path.exists() else None
        with path.open("a") as f:
            f.write("[commit]\n\tcleanup = verbatim\n")
        assert gitconfig._may_be_set(state) is True, name
        if saved is None:
            path.unlink()
        else:
            path.write_bytes(saved)
        assert gitconfig._may_be_set(state) is False, name


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GIT_CONFIG": "/some/file"}, True),
        ({"GIT_CONFIG": ""}, False),
        ({"GIT_CONFIG_PARAMETERS": "'core.commentchar'='D'"}, True),
        ({"GIT_CONFIG_PARAMETERS": ""}, False),
        ({"GIT_CONFIG_COUNT": "1"}, True),
        ({"GIT_CONFIG_COUNT": "0"}, False),
        ({"GIT_CONFIG_COUNT": ""}, False),
        ({"GIT_CONFIG_NOSYSTEM": "maybe"}, True),
        ({"PATH": ""}, True),  # no git to ask where the system file is: git decides
    ],
)
def test_may_be_set_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, clean: gitstate.RepoState, env: dict[str, str], expected: bool
) -> None:
    assert gitconfig._may_be_set(clean) is False
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if env.get("PATH") == "":
        monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    assert gitconfig._may_be_set(clean) is expected


def test_message_settings_start_no_git_where_nothing_can_be_set(
    tmp_path: Path, state: gitstate.RepoState
) -> None:
    """`cwd` names another repository that sets commentChar: only a call of git would see it."""
    other = make_repo(tmp_path / "other", initial_commit=False)
    git(other, "config", "core.commentChar", "D")
    git(other, "config", "commit.cleanup", "scissors")
    assert gitconfig.message_settings(state, str(other)) == {}
    expected = {"core.commentchar": "D", "commit.cleanup": "scissors"}
    assert gitconfig.message_settings(None, str(other)) == expected
    git(state.toplevel, "config", "core.commentString", "//")
    assert gitconfig.message_settings(state, state.toplevel) == {"core.commentstring": "//"}
    assert gitconfig.message_settings(state, str(other)) == expected
