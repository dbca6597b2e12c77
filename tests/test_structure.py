"""The rules of the layout that keep the hooks fast and the parts independent:

- LAYERS (below): which part of the package may import which, as one table, and the rules it
  must keep (core stdlib-only, tracker/ the client only, the fakes apart from our client and
  imported by the commands and the demo alone, dependencies pointing one way);
- the hooks' offline paths load nothing heavy (requests, pygit2, keyring, importlib.metadata);
- the sandbox never imports tracker_git.tracker (it must not share our client's mistakes);
- core never imports the CLI, the commands or the hooks;
- the relay's PostgreSQL driver (psycopg, an optional extra) is imported by its PostgreSQL
  queue alone, so a relay on SQLite runs without it;
- the pull request gate (tracker_git.cigate) never imports the front ends, and loads no
  network code until it asks a forge or Tracker;
- every command module in the CLI's table has add_arguments(parser) and run(args).

Each import rule is checked twice: on the source (the AST of every file, so a lazy import
inside a function counts) and by importing in a fresh interpreter.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import itertools
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git import commands

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tracker_git"

# --- the layers, as data -----------------------------------------------------------------------
# Which part of tracker_git may import which. A part is a subpackage (hooks) or a top-level
# module (trust); besides what its row names, a part imports only itself and the standard
# library. Other packages are named where they are allowed (requests, keyring, psycopg), and so
# is importlib.metadata (slow to import: never on the hook path). Imports inside functions and
# under TYPE_CHECKING count. A new module needs its row here; test_every_file_keeps_to_its_layer
# checks the files against the rows (each row exact: nothing missing, nothing unused), and
# test_the_layers_keep_the_rules checks the rows against the rules no row may break.
LAYERS: dict[str, str] = {
    "core": "",  # the foundation (keys, checks, config, git): stdlib only
    "hooks": "core online",  # the hook path; online only lazily, behind [hooks] online
    "precommit": "hooks",  # the .pre-commit-config.yaml snippets, from the hook table
    "plainhooks": "core hooks resources",  # `hooks install|uninstall`: the plain git hooks
    "hookmanagers": "about core hooks plainhooks precommit",  # who runs each git hook
    "resources": "",  # data: the man page, the plain hook scripts, the PR template
    "about": "core importlib.metadata",  # version, project URL: commands, http (User-Agent)
    "cache": "core",  # the online check's cache
    "gitcli": "core",  # the few git questions the Tracker commands ask
    "userconfig": "core",  # writes the user config file (login --save-org)
    "secrets": "core keyring",  # tokens: the environment and the keyring
    "trust": "core forges notify",  # where tokens may go (forges, notify: types and a lazy read)
    "http": "about core requests urllib3",  # the one HTTP stack: session, retries, pages, links
    "tracker": "core http requests",  # the Tracker API client, nothing above it
    "forges": "core http requests",  # the forge clients
    "notify": "core http requests secrets",  # alerts as code: Tracker triggers, messengers
    "online": "cache core http secrets tracker trust",  # the hooks' online key check
    "account": "core forges secrets tracker trust userconfig",  # login/logout/whoami, connect
    "issue": "account core gitcli secrets tracker",  # the issue a command is about: start, stand
    "pr": "account core forges resources secrets tracker trust",  # `git tracker pr`
    "cigate": "about core forges online secrets trust",  # the pull request gate, in CI
    "relay": "core forges http psycopg secrets tracker",  # the webhook service
    "release": "cigate core http pr tracker",  # `git tracker release`: notes, fix versions
    "fakes": "core",  # the fake-server framework under the sandbox and the emulators
    "sandbox": "core fakes",  # the local Tracker: never our client (it must not share its mistakes)
    "emulators": "core fakes",  # the four forges on loopback
    "demo": "core emulators requests sandbox",  # `git tracker demo`, against the fakes
    "helptext": "commands core forges hooks issue notify relay secrets",  # man page, completion
    # one module per command, thin over the parts above; the command table and the parser
    "commands": "about account cigate core demo forges helptext hookmanagers issue "
    "notify plainhooks pr precommit relay release sandbox secrets tracker trust",
    "cli": "about commands core secrets",  # `git tracker`: the entry point; nothing imports it
    "__main__": "cli",  # python -m tracker_git
}
ALLOWED = {part: set(names.split()) for part, names in LAYERS.items()}

# Never on the hooks' offline path (docs/hooks.md: the hooks are fast).
HEAVY = (
    "requests",
    "urllib3",
    "pygit2",
    "keyring",
    "importlib.metadata",
    "platformdirs",
    "ssl",
    "http.client",
    "tracker_git.online",
    "tracker_git.tracker",
)


# Parsed in a child interpreter: CPython 3.11 keeps the AST converter's recursion counter per
# interpreter, not per thread, so an ast.parse here that races a background thread of an
# earlier test formatting a traceback (3.11's traceback module parses the failing line) can
# fail with a spurious "SystemError: AST constructor recursion depth mismatch". A child
# process runs no other thread. AST nodes pickle, so the trees come back whole.
_PARSE_ALL = (
    "import ast, pickle, sys\n"
    "paths = sys.stdin.read().split('\\0')\n"
    "trees = {p: ast.parse(open(p, encoding='utf-8').read(), p) for p in paths}\n"
    "sys.stdout.buffer.write(pickle.dumps(trees))\n"
)


def _parse_in_child(paths: list[Path]) -> dict[str, ast.Module]:
    proc = subprocess.run(
        [sys.executable, "-c", _PARSE_ALL],
        input="\0".join(str(p) for p in paths).encode(),
        capture_output=True,
        check=True,
    )
    trees: dict[str, ast.Module] = pickle.loads(proc.stdout)
    return trees


@functools.cache
def _package_trees() -> dict[str, ast.Module]:
    return _parse_in_child(sorted(PACKAGE.rglob("*.py")))


def syntax_tree(path: Path) -> ast.Module:
    """The AST of one of our files (the package's are parsed once, together)."""
    tree = _package_trees().get(str(path))
    return tree if tree is not None else _parse_in_child([path])[str(path)]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, name: str | None = None) -> set[str]:
    """Every module a file imports anywhere (top level or inside functions), absolute, with
    `from X import y` counted as both X and X.y; plus string literals that name a module of
    ours (importlib.import_module("tracker_git.x")). `name`: the file's module name, if it
    is not where it says."""
    tree = syntax_tree(path)
    package = name or module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("tracker_git.")
        ):
            names.add(node.value)
    return names


def offending(names: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


# The standard library's modules that count as dependencies in LAYERS, as other packages do.
NAMED_STDLIB = ("importlib.metadata",)


def part_of(name: str) -> str | None:
    """The LAYERS part an imported module belongs to: `tracker_git.hooks.common` -> hooks,
    `requests.adapters` -> requests, `importlib.metadata` -> itself; None for the rest of the
    standard library and for the tracker_git package itself (kept empty)."""
    if name.startswith("tracker_git."):
        return name.split(".")[1]
    if name == "tracker_git":
        return None
    named = [n for n in NAMED_STDLIB if name == n or name.startswith(n + ".")]
    if named:
        return named[0]
    top = name.split(".")[0]
    return None if top in sys.stdlib_module_names or top == "__future__" else top


def parts_imported(path: Path) -> set[str]:
    """The other parts (and packages) a file of the package imports."""
    own = part_of(module_name(path))
    return {p for p in map(part_of, imported_names(path)) if p is not None and p != own}


def test_every_file_keeps_to_its_layer() -> None:
    """Each file imports only what its part's row in LAYERS allows, and each row says exactly
    what its part imports: a new dependency between parts is a visible change to the table."""
    files = python_files(PACKAGE)
    parts = {part_of(module_name(path)) for path in files} - {None}
    assert parts == set(LAYERS), "give each part of tracker_git one row in LAYERS, no more"
    used: dict[str, set[str]] = {part: set() for part in LAYERS}
    offenders = []
    for path in files:
        part = part_of(module_name(path))
        if part is None:
            continue
        found = parts_imported(path)
        used[part] |= found
        offenders += [
            f"{path.relative_to(ROOT)} imports {p}" for p in sorted(found - ALLOWED[part])
        ]
    assert offenders == [], "not allowed by LAYERS"
    unused = {part: sorted(ALLOWED[part] - used[part]) for part in LAYERS}
    assert {part: names for part, names in unused.items() if names} == {}, (
        "LAYERS allows what nothing imports any more: take it out of the row"
    )


def reachable(part: str, skip: frozenset[str] = frozenset()) -> set[str]:
    """Every part `part` imports, directly or through others (not through those in skip)."""
    seen: set[str] = set()
    todo = [part]
    while todo:
        for name in ALLOWED.get(todo.pop(), set()) - seen - skip:
            seen.add(name)
            todo.append(name)
    return seen


def importers(part: str) -> set[str]:
    return {other for other, allowed in ALLOWED.items() if part in allowed}


# Parts that import each other: helptext builds the man page and the completion scripts from
# the commands' parser, and the completion command prints them.
MUTUAL = {frozenset({"commands", "helptext"})}


def test_the_layers_keep_the_rules() -> None:
    """The rules the table must keep, whatever rows are added."""
    heavy = {"requests", "keyring", "psycopg", "importlib.metadata"}
    assert ALLOWED["core"] == set(), "core imports the standard library only"
    assert ALLOWED["hooks"] <= {"core", "online"}, "the hooks import core (and online, lazily)"
    assert reachable("hooks", skip=frozenset({"online"})) & heavy == set()
    assert ALLOWED["tracker"] <= {"core", "http", "requests"}, "tracker/ is the API client only"
    for fake in ("fakes", "sandbox", "emulators"):
        assert "tracker" not in reachable(fake), f"{fake} must not share our client's mistakes"
    assert importers("fakes") <= {"sandbox", "emulators"}
    assert importers("sandbox") | importers("emulators") <= {"commands", "demo"}
    assert importers("cli") <= {"__main__"}, "the entry point is imported by nothing"
    assert importers("commands") <= {"cli", "helptext"}
    assert importers("keyring") <= {"secrets"}, "tokens are kept by secrets alone"
    assert importers("importlib.metadata") <= {"about"}
    assert importers("psycopg") <= {"relay"}
    mutual = {frozenset({a, b}) for a in ALLOWED for b in ALLOWED[a] if a in reachable(b)}
    assert mutual <= MUTUAL, "dependencies point one way"


def loaded_modules(code: str, *args: str, cwd: Path | None = None, stdin: str = "") -> set[str]:
    """The modules a fresh interpreter (the one running the tests, isolated like the plain
    hooks' `-I`) has loaded after running `code`, which prints them."""
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def loaded_by_importing(files: list[Path]) -> set[str]:
    """The modules a fresh interpreter has loaded after importing each of these files."""
    modules = [module_name(path) for path in files]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n" + PRINT_MODULES
    )
    return loaded_modules(code)


PRINT_MODULES = "import sys; sys.stdout.write(' '.join(sys.modules))"
RUN_HOOK = (
    "import sys\n"
    "from tracker_git.hooks.__main__ import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stdout.write(' '.join(sys.modules))\n"
    "sys.stdout.write(' exit=%d' % code)\n"
)


@pytest.fixture(scope="module")
def baseline() -> set[str]:
    """What the interpreter loads by itself (.pth files in site-packages may preload)."""
    return loaded_modules(PRINT_MODULES)


def test_the_baseline_is_clean(baseline: set[str]) -> None:
    # Otherwise the hook checks below could not see these modules being loaded.
    assert offending(baseline, HEAVY) == []


@pytest.mark.parametrize(
    ("hook", "branch", "message", "config", "exit_code"),
    [
        ("commit-msg", "main", "DEV-1: fix login\n", None, 0),
        ("commit-msg", "main", "fix login\n", None, 1),
        ("commit-msg", "main", "DEV-1: fix login\n", 'queues = ["DEV"]\n', 0),
        ("prepare-commit-msg", "DEV-1-login", "fix login\n", None, 0),
        ("branch-name", "DEV-1-login", None, None, 0),
        ("branch-name", "topic", None, None, 1),
        ("pre-push", "DEV-1-login", None, None, 1),  # "initial commit" has no key
    ],
)
def test_hooks_offline_path_loads_nothing_heavy(
    tmp_path: Path,
    baseline: set[str],
    hook: str,
    branch: str,
    message: str | None,
    config: str | None,
    exit_code: int,
) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "checkout", "-q", "-B", branch)
    if config is not None:
        (repo / ".tracker-git.toml").write_text(config)
    args = [hook]
    stdin = ""
    if message is not None:
        (tmp_path / "msg").write_text(message)
        args.append(str(tmp_path / "msg"))
    if hook == "pre-push":
        head = git(repo, "rev-parse", "HEAD").strip()
        args += ["origin", str(tmp_path / "remote.git")]
        stdin = f"refs/heads/{branch} {head} refs/heads/{branch} {'0' * 40}\n"
    loaded = loaded_modules(RUN_HOOK, *args, cwd=repo, stdin=stdin)
    assert f"exit={exit_code}" in loaded
    assert offending(loaded - baseline, HEAVY) == []
    assert f"tracker_git.hooks.{hook.replace('-', '_')}" in loaded
    # The forge table is read to validate or document [forge] kind, not to commit.
    assert "tracker_git.core.forgekinds" not in loaded


def test_hooks_package_does_not_import_the_cli_or_network_code() -> None:
    """Lazily is fine only for the online check, behind the [hooks] online switch."""
    for path in python_files(PACKAGE / "hooks"):
        names = imported_names(path)
        assert offending(names, ("tracker_git.cli", "tracker_git.commands")) == [], path
        online = ("tracker_git.online", "tracker_git.online.verify_keys")
        heavy = [n for n in offending(names, HEAVY) if n not in online]
        assert heavy == [], path


def test_sandbox_never_imports_the_tracker_client() -> None:
    files = python_files(PACKAGE / "sandbox")
    assert files, "tracker_git/sandbox/ is empty"
    for path in files:
        assert offending(imported_names(path), ("tracker_git.tracker",)) == [], path
    # And not through anything it imports.
    loaded = loaded_by_importing(files)
    assert "tracker_git.sandbox" in loaded
    assert offending(loaded, ("tracker_git.tracker",)) == []


def test_only_the_postgresql_queue_imports_its_driver() -> None:
    allowed = PACKAGE / "relay" / "postgres.py"
    users = [p for p in python_files(PACKAGE) if offending(imported_names(p), ("psycopg",))]
    assert users == [allowed]
    code = (
        "import tracker_git.relay.app, tracker_git.relay.sqlite, tracker_git.commands.relay\n"
        + PRINT_MODULES
    )
    assert offending(loaded_modules(code), ("psycopg",)) == []


FRONT_ENDS = ("tracker_git.cli", "tracker_git.commands", "tracker_git.hooks")


def test_the_trust_rule_is_stdlib_only() -> None:
    """tracker_git.trust is asked by the hooks' online check before any network library is
    loaded: it must not pull one in."""
    names = imported_names(PACKAGE / "trust.py")
    assert offending(names, ("requests", "urllib3", "keyring", "importlib.metadata")) == []
    assert (
        offending(names, ("tracker_git.http", "tracker_git.tracker", "tracker_git.forges.base"))
        == []
    )


def test_core_never_imports_the_front_ends() -> None:
    files = python_files(PACKAGE / "core")
    for path in files:
        assert offending(imported_names(path), FRONT_ENDS) == [], path
    assert offending(loaded_by_importing(files), FRONT_ENDS) == []


def test_the_checker_sees_imports_of_every_form(tmp_path: Path) -> None:
    """The AST reading above, on a made-up module inside the package layout."""
    source = (
        "import tracker_git.tracker.client\n"
        "from tracker_git import tracker\n"
        "from .. import cli\n"
        "from ..commands.check import run\n"
        "def later():\n"
        "    import importlib\n"
        "    importlib.import_module('tracker_git.hooks.common')\n"
    )
    path = tmp_path / "x.py"
    path.write_text(source)
    tree_names = imported_names(path, "tracker_git.sandbox.x")
    assert offending(tree_names, ("tracker_git.tracker",)) == [
        "tracker_git.tracker",
        "tracker_git.tracker.client",
    ]
    assert offending(tree_names, FRONT_ENDS) == [
        "tracker_git.cli",
        "tracker_git.commands.check",
        "tracker_git.commands.check.run",
        "tracker_git.hooks.common",
    ]


def test_every_command_module_has_add_arguments_and_run() -> None:
    folder = PACKAGE / "commands"
    listed = {module for module, _ in commands.COMMANDS.values()}
    for name in sorted(listed):
        if not (folder / f"{name}.py").exists():
            continue  # not written yet: the CLI does not list it either
        module = importlib.import_module(f"tracker_git.commands.{name}")
        for function in ("add_arguments", "run"):
            assert callable(getattr(module, function, None)), f"{name}.{function}"
            parameters = inspect.signature(getattr(module, function)).parameters
            assert len(parameters) == 1, f"{name}.{function}{parameters}"
    # A module the table does not name would never run: a forgotten or misnamed command.
    present = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}
    assert present <= listed, f"command modules missing from commands.COMMANDS: {present - listed}"


# Outside commands/, what parses a command line of its own or reads the parser: the emulators'
# `python -m tracker_git.emulators` and helptext, which makes the man page from the parser.
OWN_COMMAND_LINES = {PACKAGE / "emulators" / "__main__.py", PACKAGE / "helptext.py"}


def test_options_and_prompts_are_the_commands() -> None:
    """Commands are thin over plain functions: argument parsing and questions on the terminal
    (input, getpass) are in commands/, the functions below them take values."""
    offenders = []
    for path in python_files(PACKAGE):
        if path.parent.name == "commands":
            continue
        names = imported_names(path)
        if "argparse" in names and path not in OWN_COMMAND_LINES:
            offenders.append(f"{path.relative_to(ROOT)}: argparse")
        if path == PRINTER:
            continue  # asks what a command tells it to ask (escaped), below
        if "getpass" in names or "input" in calls_and_keywords(path):
            offenders.append(f"{path.relative_to(ROOT)}: a prompt")
    assert offenders == []


# --- the terminal ------------------------------------------------------------------------------

# The one terminal-safe printer: it escapes the controls of whatever it shows (issue 19 item 5).
PRINTER = PACKAGE / "core" / "output.py"
# Where a log handler may write: the relay's log, whose filter escapes every value.
LOG_HANDLERS = {PACKAGE / "relay" / "logs.py"}
_HARMLESS = {"isatty", "flush", "fileno", "encoding"}  # asking about a stream writes nothing


def terminal_writes(path: Path) -> list[str]:
    """Where a file writes to the terminal around the printer: print, input, getpass,
    sys.stdout or sys.stderr (but asking isatty, flush), a log StreamHandler, os.write."""
    found = []
    tree = syntax_tree(path)
    # `sys.stdout` with an attribute read on it is judged by that attribute (isatty is fine)
    looked_into = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        what = ""
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ("print", "input", "getpass"):
                what = func.id
            elif isinstance(func, ast.Attribute) and func.attr in ("getpass", "print_help"):
                what = func.attr
            elif isinstance(func, ast.Attribute) and func.attr == "write":
                target = func.value
                to_terminal = node.args and isinstance(node.args[0], ast.Constant)
                if isinstance(target, ast.Name) and target.id == "os" and to_terminal:
                    what = "os.write"  # to a file descriptor by number: 1 or 2
            elif (isinstance(func, ast.Name) and func.id == "StreamHandler") or (
                isinstance(func, ast.Attribute) and func.attr == "StreamHandler"
            ):
                what = "" if path in LOG_HANDLERS else "StreamHandler"
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == "sys"
            and node.value.attr in ("stdout", "stderr", "__stdout__", "__stderr__")
            and node.attr not in _HARMLESS
        ):
            what = f"sys.{node.value.attr}.{node.attr}"
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
            and node.attr in ("stdout", "stderr", "__stdout__", "__stderr__")
        ):
            # handed on as a value, to something that writes to it
            what = "" if id(node) in looked_into else f"sys.{node.attr} handed on"
        elif isinstance(node, ast.ImportFrom) and node.module == "sys":
            streams = {a.name for a in node.names} & {"stdout", "stderr"}
            what = f"from sys import {', '.join(sorted(streams))}" if streams else ""
        if what:
            found.append(f"{path.name}:{getattr(node, 'lineno', 0)}: {what}")
    return found


def test_every_output_goes_through_the_terminal_safe_printer() -> None:
    """Text from Tracker, forges, repository files and refs reaches the terminal only through
    core/output.py, which escapes C0, C1, DEL and the bidi controls; prompts too."""
    offenders = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in python_files(PACKAGE)
        if path != PRINTER
        for what in terminal_writes(path)
    ]
    assert offenders == []
    assert terminal_writes(PRINTER), "the checker no longer sees the printer's own writes"


def test_the_terminal_checker_sees_every_form(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text(
        "import sys, os, getpass, logging\n"
        "print('a')\n"
        "sys.stdout.write('b')\n"
        "sys.stderr.buffer.write(b'c')\n"
        "input('d')\n"
        "getpass.getpass('e')\n"
        "os.write(1, b'f')\n"
        "logging.StreamHandler()\n"
        "parser.print_help(sys.stdout)\n"
        "from sys import stderr\n"
        "sys.stdout.isatty()\n"
    )
    assert sorted(line.split(": ", 1)[1] for line in terminal_writes(path)) == sorted(
        [
            "print",
            "sys.stdout.write",
            "sys.stderr.buffer",
            "input",
            "getpass",
            "os.write",
            "StreamHandler",
            "print_help",
            "sys.stdout handed on",
            "from sys import stderr",
        ]
    )


# --- one rule, one place ----------------------------------------------------------------------

# Where a forge may be named by its kind: the table, and the demo, which picks one to show.
# forgekinds is the table; a CI platform's row names the forge it builds; the demo its fakes.
FORGE_KIND_HOMES = {
    PACKAGE / "core" / "forgekinds.py",
    PACKAGE / "core" / "ciplatforms.py",
    PACKAGE / "demo.py",
}


def string_constants(path: Path) -> list[tuple[int, str]]:
    tree = syntax_tree(path)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_forge_kinds_are_named_only_in_the_table() -> None:
    """Adding a forge is a client module, an emulator module and one row in
    core/forgekinds.py: nothing else in the package spells a forge kind."""
    from tracker_git.core.forgekinds import KINDS

    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in python_files(PACKAGE)
        if path not in FORGE_KIND_HOMES
        for line, value in string_constants(path)
        if value in KINDS or any(value.startswith(f"forges.{kind}") for kind in KINDS)
    ]
    assert found == []


def test_the_checker_sees_a_forge_kind(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text('CHOICES = ("github", "other")\n')
    assert (1, "github") in string_constants(path)


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a file but its docstrings (which may name what the code reads)."""
    tree = syntax_tree(path)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def _spelled(value: str, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if re.search(rf"(?<![A-Z0-9_]){name}(?![A-Z0-9_])", value)]


def test_ci_variables_are_spelled_only_in_the_ci_table() -> None:
    """A CI's variables (which CI, its pull request, branch, tag, release page, where the gate
    writes) are one row in core/ciplatforms.py: no other module's code spells one, in a
    lookup or in a message."""
    from tracker_git.core.ciplatforms import VARIABLES

    home = PACKAGE / "core" / "ciplatforms.py"
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in python_files(PACKAGE)
        if path != home
        for line, value in _code_strings(path)
        if _spelled(value, VARIABLES)
    ]
    assert found == []


def test_the_ci_variable_checker_sees_lookups_and_messages(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text(
        '"""Reads GITHUB_OUTPUT."""\n'
        'a = environ.get("BITBUCKET_PR_ID")\n'
        'b = f"set GITHUB_EVENT_PATH {x}"\n'
        'c = "MY_GITHUB_OUTPUT_2"\n'
    )
    names = ("GITHUB_OUTPUT", "BITBUCKET_PR_ID", "GITHUB_EVENT_PATH")
    hits = [(line, _spelled(value, names)) for line, value in _code_strings(path)]
    assert [(line, spelled) for line, spelled in hits if spelled] == [
        (2, ["BITBUCKET_PR_ID"]),
        (3, ["GITHUB_EVENT_PATH"]),
    ]


def test_every_forge_in_the_table_has_its_client_and_emulator() -> None:
    from tracker_git.core.forgekinds import FORGES
    from tracker_git.emulators import EMULATORS
    from tracker_git.forges.base import Forge
    from tracker_git.forges.registry import parts_of

    for row in FORGES:
        parts = parts_of(row)
        assert issubclass(parts.client, Forge), row.kind
        assert parts.client.__module__ == f"tracker_git.forges.{row.module}"
        emulator = EMULATORS[row.kind]
        assert emulator.__module__ == f"tracker_git.emulators.{row.module}"
    assert list(EMULATORS) == [row.kind for row in FORGES]


def test_the_forge_interface_is_declared_once() -> None:
    """forges.base.Forge is the interface (its abstract methods) and the shared plumbing; no
    Protocol restates it and no method is a NotImplementedError stub. The same for the
    forge emulators (emulators.server.Emulator) and the relay's queue backends
    (relay.queue.SqlQueue)."""
    emulators = python_files(PACKAGE / "emulators")
    for path in [*python_files(PACKAGE / "forges"), *emulators, PACKAGE / "relay" / "queue.py"]:
        source = path.read_text(encoding="utf-8")
        assert "Protocol" not in source, path
        assert "NotImplementedError" not in source, path


def calls_and_keywords(path: Path) -> set[str]:
    """What a file calls (`requests.Session`, `Session`, `exchange`) and every keyword
    argument it passes (`keyword allow_redirects`)."""
    tree = syntax_tree(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                found.add(f"{func.value.id}.{func.attr}")
            elif isinstance(func, ast.Name):
                found.add(func.id)
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(f"keyword {node.arg}")
    return found


def test_one_http_stack() -> None:
    """Tracker, the forges and the messengers share tracker_git.http: only it makes a
    requests.Session and decides about redirects (and so retries: `attempt`); only
    core/loopback knows what a loopback address is."""
    http = PACKAGE / "http.py"
    assert {"requests.Session", "keyword allow_redirects"} <= calls_and_keywords(http)
    for path in python_files(PACKAGE):
        if path != http:
            used = calls_and_keywords(path)
            assert not {"requests.Session", "Session", "keyword allow_redirects"} & used, path
            assert offending(imported_names(path), ("requests.Session", "requests.adapters")) == []
        if path != PACKAGE / "core" / "loopback.py":
            assert "ipaddress" not in imported_names(path), path
        # Where a link (a Location, a next page) leads is one rule: http.follow_link, which
        # reads it with the HTTP library's own parser too.
        if path != http:
            assert "urljoin" not in calls_and_keywords(path), path
            assert offending(imported_names(path), ("urllib3",)) == [], path
    assert {"follow_link", "library_origin"} <= calls_and_keywords(http)


# Who reads a file by a path that a repository may name: the configuration files themselves,
# our own trust file, and core/repofile.py, the one rule for files a repository's settings
# name ([pr] template, a release template): only files git tracks.
BOUNDED_READERS = {
    PACKAGE / "core" / "config.py",
    PACKAGE / "trust.py",
    PACKAGE / "core" / "repofile.py",
}


def test_a_file_a_repository_names_is_read_through_one_rule() -> None:
    for path in python_files(PACKAGE):
        used = calls_and_keywords(path)
        if path not in BOUNDED_READERS:
            readers = {"read_bounded", "config.read_bounded", "configuration.read_bounded"}
            assert not readers & used, f"{path}: read a repository's file with repofile"
    assert "repofile.read_tracked" in calls_and_keywords(PACKAGE / "pr" / "template.py")


# Who creates folders: core/paths.make_folder alone (never world-writable, whatever the
# umask); the relay's queue folder is the relay's (relay/sqlite.py, 0700).
FOLDER_MAKERS = {PACKAGE / "core" / "paths.py", PACKAGE / "relay" / "sqlite.py"}


def test_folders_are_made_by_one_function() -> None:
    for path in python_files(PACKAGE):
        if path not in FOLDER_MAKERS:
            used = calls_and_keywords(path)
            assert not {"os.makedirs", "os.mkdir", "makedirs", "mkdir"} & used, path
            assert ".mkdir(" not in path.read_text(encoding="utf-8"), path


def file_writes(path: Path) -> list[int]:
    """Lines where `open(...)` is called with a writing mode ("w", "a", "x", "+")."""
    found = []
    for node in ast.walk(syntax_tree(path)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "open"
        ):
            modes = [a for a in node.args[1:2]] + [
                k.value for k in node.keywords if k.arg == "mode"
            ]
            for mode in modes:
                if isinstance(mode, ast.Constant) and set(str(mode.value)) & set("wax+"):
                    found.append(node.lineno)
    return found


def test_the_commands_write_into_the_work_tree_through_one_function() -> None:
    """A command writes a file of the work tree (init's .tracker-git.toml and
    .pre-commit-config.yaml) with core/paths.write_in_work_tree, which refuses symlinks."""
    for path in python_files(PACKAGE / "commands"):
        assert file_writes(path) == [], f"{path}: use paths.write_in_work_tree"
    assert "paths.write_in_work_tree" in calls_and_keywords(PACKAGE / "commands" / "init.py")


def test_the_write_checker_sees_modes(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('open(p, "w")\nopen(p, mode="ab")\nopen(p, "rb")\nopen(p)\n')
    assert file_writes(sample) == [1, 2]


# Who reads the addresses of [tracker] and [forge] (`config.tracker.api_url`,
# `config.forge.api_url`): trust judges them (trust.repository_file: whatever copy of a
# repository's file set them), detect records where [forge] api_url came from, and the rest
# read them only after trust.check_tracker / check_forge or to show them. A new reader is a
# change here, made after it asks trust. The relay reads its own file's (relay/config.py).
API_URL_READERS = {
    PACKAGE / "trust.py",
    PACKAGE / "forges" / "detect.py",
    PACKAGE / "secrets.py",  # the keyring entry's name, for a destination already judged
    PACKAGE / "online.py",  # scope (a cache key), and _ask_tracker after check_tracker
    PACKAGE / "account.py",  # login/whoami after check_tracker; save the command line's
    PACKAGE / "commands" / "open.py",  # a browser link: no token goes there
    PACKAGE / "commands" / "doctor.py",  # after check_tracker
    PACKAGE / "commands" / "trust.py",  # shows what trust records
}
# Where the question "did a repository's file set this address" may be asked, as
# config.source(<...>.api_url): trust alone, and detect, which hands the answer to trust.
API_URL_SOURCE_ASKERS = {
    PACKAGE / "trust.py",
    PACKAGE / "forges" / "detect.py",
    PACKAGE / "account.py",
}  # account: "command line" only, to save it


def api_url_reads(path: Path) -> tuple[bool, bool]:
    """Whether the file reads `<x>.tracker.api_url` / `<x>.forge.api_url`, and whether it
    asks `.source(<...>.api_url)`."""
    reads = asks = False
    for node in ast.walk(syntax_tree(path)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "api_url"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in ("tracker", "forge")
        ):
            reads = True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "source"
            and any(isinstance(a, ast.Attribute) and a.attr == "api_url" for a in node.args)
        ):
            asks = True
    return reads, asks


def test_addresses_are_read_only_where_trust_judges_them() -> None:
    for path in python_files(PACKAGE):
        if PACKAGE / "relay" in path.parents:
            continue  # the relay's own file and settings (relay/config.py)
        reads, asks = api_url_reads(path)
        assert not reads or path in API_URL_READERS, f"{path}: ask tracker_git.trust first"
        assert not asks or path in API_URL_SOURCE_ASKERS, f"{path}: use trust.repository_file"


def test_the_address_checker_sees_reads_and_questions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("u = cfg.tracker.api_url\n")
    assert api_url_reads(sample) == (True, False)
    sample.write_text("s = cfg.source(config.Forge.api_url)\n")
    assert api_url_reads(sample) == (False, True)
    sample.write_text("u = remote.api_url\n")
    assert api_url_reads(sample) == (False, False)


# The modules that declare a configuration file's schema and read its raw values.
CONFIG_MODULES = {
    "tracker_git.core.config",
    "tracker_git.core.schema",
    "tracker_git.relay.config",
    "tracker_git.notify.spec",
}


def raw_config_reads(path: Path, pairs: set[tuple[str, str]]) -> list[str]:
    """Places where a file names a config value by its section and key as two strings, in a
    tuple or a call (`("hooks", "online")`, `config.flag("hooks", "online")`)."""
    found = []
    for node in ast.walk(syntax_tree(path)):
        items = node.elts if isinstance(node, ast.Tuple) else getattr(node, "args", None)
        if not isinstance(node, (ast.Tuple, ast.Call)) or not items:
            continue
        texts = [i.value if isinstance(i, ast.Constant) else None for i in items]
        for first, second in itertools.pairwise(texts):
            if (first, second) in pairs:
                found.append(f"{path.name}:{node.lineno}: {first!r}, {second!r}")
    return found


def schema_pairs() -> set[tuple[str, str]]:
    from tracker_git.core import config
    from tracker_git.notify import spec
    from tracker_git.relay import config as relay_config

    sections = [
        *config.SECTIONS,
        *relay_config.SECTIONS,
        *relay_config.FORGE_SECTIONS.values(),
        *spec.SECTIONS,
    ]
    return {key.path for section in sections for key in section.KEYS}


def test_config_values_are_read_through_the_typed_accessors_only() -> None:
    """Outside the config modules, a value is `config.hooks.online` (mypy checks the name),
    never a section and a key as strings."""
    pairs = schema_pairs()
    offenders = [
        place
        for path in python_files(PACKAGE)
        if module_name(path) not in CONFIG_MODULES
        for place in raw_config_reads(path, pairs)
    ]
    assert offenders == []


def test_the_raw_read_checker_sees_tuples_and_calls(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text(
        "a = config.flag('hooks', 'online')\n"
        "b = sources.get(('tracker', 'api_url'))\n"
        "c = ('hooks', 'nothing')\n"
        "d = config.hooks.online\n"
    )
    assert raw_config_reads(path, schema_pairs()) == [
        "x.py:1: 'hooks', 'online'",
        "x.py:2: 'tracker', 'api_url'",
    ]


def test_the_project_url_is_written_only_in_pyproject() -> None:
    """[project.urls] Repository is the one place; the code reads it from the metadata
    (tracker_git.about), which only the commands import, never the hooks."""
    from tracker_git import about

    url = about.project_url()
    assert url in (ROOT / "pyproject.toml").read_text()
    for path in sorted(PACKAGE.rglob("*")):
        if (
            path.is_file()
            and path.suffix in (".py", ".md", ".1", "")
            and "__pycache__" not in path.parts
        ):
            assert url not in path.read_text(errors="replace"), path


def test_the_pull_request_gate_loads_no_network_code_until_it_asks() -> None:
    files = python_files(PACKAGE / "cigate")
    assert files, "tracker_git/cigate/ is empty"
    for path in files:
        assert offending(imported_names(path), FRONT_ENDS) == [], path
    loaded = loaded_by_importing(files)
    assert "tracker_git.cigate.gate" in loaded
    assert (
        offending(loaded, ("requests", "keyring", "tracker_git.online", "tracker_git.forges")) == []
    )


def test_one_fake_server_framework() -> None:
    """The sandbox and the forge emulators run on tracker_git.fakes: only its server module
    subclasses the standard library's HTTP server; neither fake brings its own."""
    framework = PACKAGE / "fakes" / "server.py"
    assert "http.server" in imported_names(framework)
    for path in python_files(PACKAGE):
        if path == framework or path.parent.name == "relay":  # the relay is a real server
            continue
        assert offending(imported_names(path), ("http.server", "socketserver")) == [], path
    for fake in ("sandbox/server.py", "emulators/server.py"):
        assert "tracker_git.fakes.server" in imported_names(PACKAGE / fake), fake
    # The fakes' framework is below the sandbox: it must not bring our Tracker client along.
    assert offending(imported_names(framework), ("tracker_git.tracker", "requests")) == []


def test_every_runtime_dependency_is_imported_by_the_package() -> None:
    """A dependency users must install is one the package uses (platformdirs was not: only
    a test compares core/paths.py with it, so it is a test dependency)."""
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    imported = {name.split(".")[0] for p in python_files(PACKAGE) for name in imported_names(p)}
    for requirement in declared:
        name = re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower().replace("-", "_")
        assert name in imported, f"{name} is a runtime dependency that tracker_git never imports"


# What starts a process: subprocess's functions, os's spawn/exec/system family, asyncio's.
PROCESS_STARTERS = re.compile(
    r"(posix_spawnp?|spawn\w+|exec[lv]p?e?|system|popen|create_subprocess_\w+)"
)


def git_starts(path: Path) -> list[str]:
    """Places where a file starts git: a process-starting call whose arguments name git
    ("git", "git ..."), and, in a file that starts processes, any argv list or tuple that
    begins with "git" (built here, started a few lines further)."""
    tree = syntax_tree(path)
    from_subprocess = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "subprocess"
        for alias in node.names
    }

    def starts_process(call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Name):
            return func.id in from_subprocess
        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else ""
            return owner == "subprocess" or (
                owner in ("os", "asyncio") and PROCESS_STARTERS.fullmatch(func.attr) is not None
            )
        return False

    def names_git(node: ast.AST) -> bool:
        return any(
            isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and (n.value == "git" or n.value.startswith("git "))
            for n in ast.walk(node)
        )

    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and starts_process(n)]
    lines = {
        call.lineno
        for call in calls
        if any(names_git(arg) for arg in [*call.args, *(k.value for k in call.keywords)])
    }
    if calls:
        lines |= {
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, (ast.List, ast.Tuple))
            and node.elts
            and isinstance(node.elts[0], ast.Constant)
            and node.elts[0].value == "git"
        }
    return [f"{path.name}:{line}" for line in sorted(lines)]


def test_only_the_git_runner_starts_git() -> None:
    """tracker_git.core.git is the one place that runs git: its argv, its environment (no
    token variable), its encoding and one wording of its failures (GitFailed). The demo's
    steps run the user's command lines (`git commit`, `git tracker pr`) as a user would, with
    the demo's environment: they are the product being shown, not a git call of ours."""
    runner = PACKAGE / "core" / "git.py"
    assert "os.posix_spawnp" in calls_and_keywords(runner)
    offenders = [
        place for path in python_files(PACKAGE) if path != runner for place in git_starts(path)
    ]
    assert offenders == []


def test_the_git_start_checker_sees_every_form(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text(
        "import os, subprocess\n"
        "from subprocess import run as go\n"
        "subprocess.run(['git', 'status'], cwd='.')\n"
        "go(('git', 'log'))\n"
        "os.posix_spawnp('git', ['git'], os.environ)\n"
        "os.system('git push')\n"
        "PUSH = ['git', 'push']\n"
        "subprocess.Popen(PUSH)\n"
        "subprocess.run(['gitk'])\n"
        "subprocess.run(['/bin/sh', '-c', 'git status'])\n"
    )
    assert git_starts(path) == [f"x.py:{n}" for n in (3, 4, 5, 6, 7, 10)]
    path.write_text("PUSH = ['git', 'push']\nprint(' '.join(PUSH))\n")
    assert git_starts(path) == []  # shown to the user, not started


def test_one_queue_rule() -> None:
    """Whether a text is a queue key is decided in core/keys.py only (is_queue_key): the config
    files, the relay's, init and notify all ask it, so no reader accepts what another refuses."""
    home = PACKAGE / "core" / "keys.py"
    offending = [
        str(path.relative_to(PACKAGE))
        for path in python_files(PACKAGE)
        if path != home and re.search(r"\.isalpha\(\)|\[A-Z\]\[A-Za-z\]\*", path.read_text())
    ]
    assert offending == []
