"""`git tracker hooks install|uninstall`: the plain git hooks, for teams without pre-commit.

They go into the repository's effective hooks folder (`core.hooksPath` respected, the common
git dir for worktrees). A hook that is already there and not ours is kept, renamed to
NAME.tracker-git-legacy, and run first by ours; uninstall puts it back. Nothing is
overwritten silently.
"""

from __future__ import annotations

import os
import sys
from importlib import resources

import tracker_git
from tracker_git.core import paths
from tracker_git.core.errors import OperationFailed
from tracker_git.core.gitstate import RepoState
from tracker_git.hooks import GIT_HOOKS

HOOK_NAMES = GIT_HOOKS
MARKER = "# tracker-git plain hook:"
LEGACY_SUFFIX = ".tracker-git-legacy"
# Where a manager that rewrites its hooks puts the hook it finds in its way (lefthook's
# re-sync after its configuration changes: ours becomes NAME.old, its own hook NAME again).
DISPLACED_SUFFIX = ".old"


def is_ours(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return MARKER in f.read(4096)
    except OSError:
        return False


def package_folder() -> str:
    """The folder that holds this tracker_git (site-packages, a user site, an editable
    checkout): the hooks put it on sys.path themselves and start Python without `site`."""
    return os.path.dirname(os.path.dirname(os.path.abspath(tracker_git.__file__)))


def _single_quoted(value: str) -> str:
    """`value` for the inside of a '...' shell string."""
    return value.replace("'", "'\\''")


def hook_text(name: str, python: str, package: str) -> str:
    template = resources.files("tracker_git.resources").joinpath("hooks").joinpath(name).read_text()
    # The absolute interpreter, so that GUI clients with another PATH run the same install.
    text = template.replace("@PYTHON@", _single_quoted(python))
    return text.replace("@PACKAGE@", _single_quoted(package))


def _recorded(text: str, name: str) -> str | None:
    """The value a hook's `NAME='...'` line holds (as hook_text quoted it), or None."""
    for line in text.splitlines():
        if line.startswith(f"{name}='") and line.endswith("'"):
            return line[len(name) + 2 : -1].replace("'\\''", "'")
    return None


def drift(name: str, path: str, python: str = sys.executable) -> str | None:
    """Why our hook `name` at `path` is not what `install` would write now (by `python`, with
    this tracker_git), in a few words; None when it is."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    if text == hook_text(name, python, package_folder()):
        return None
    hook_python, package = _recorded(text, "PYTHON"), _recorded(text, "PACKAGE")
    if hook_python is not None and package is None:
        return "out of date: it starts Python with site (slower)"
    if hook_python and package and text == hook_text(name, hook_python, package):
        return f"installed by another Python ({hook_python})"
    return "not what this tracker-git writes (edited, or from another version)"


def shared_hooks_path(state: RepoState) -> str | None:
    """ "global" or "system" where core.hooksPath comes from a config file beyond this repo."""
    from tracker_git.core import git

    found = git.answer(["config", "--show-scope", "--get", "core.hooksPath"], state.toplevel)
    scope = (found or "").split("\t", 1)[0]
    return scope if scope in ("global", "system") else None


def committable(state: RepoState) -> bool:
    """Whether the hooks folder is in the work tree where git would commit what we write
    (a core.hooksPath such as .githooks; not husky's .husky/_, which ignores itself)."""
    from tracker_git.core import config, git

    if not state.toplevel or not config.inside(state.hooks_dir, state.toplevel):
        return False
    if config.inside(state.hooks_dir, state.common_dir):  # .git/hooks: never committed
        return False
    probe = os.path.join(state.hooks_dir, HOOK_NAMES[0])
    code, _, _ = git.run(["check-ignore", "-q", "--no-index", probe], state.toplevel)
    tracked = git.answer(["ls-files", "--", state.hooks_dir], state.toplevel)
    return code != 0 or tracked is not None


def install(
    state: RepoState, python: str = sys.executable, package: str | None = None
) -> list[str]:
    """Install every hook; return one line per hook saying what was done. `python` runs
    them; `package` is the folder holding its tracker_git (this one's by default).

    Every hook is checked before any is written, so a refusal changes nothing.
    """
    if committable(state):
        raise OperationFailed(
            f"{state.hooks_dir} is in the work tree and git does not ignore it: hooks written "
            "there name this machine's Python and would be committed for everyone; call "
            'tracker-git-hook from the team\'s hooks instead (tracker-git-hook commit-msg "$1", '
            "...; see 'git tracker help hooks')"
        )
    for name in HOOK_NAMES:
        path = os.path.join(state.hooks_dir, name)
        legacy = path + LEGACY_SUFFIX
        if _displaced(path):
            continue  # the manager's new hook goes to legacy below, ours is written anew
        if os.path.lexists(path) and not is_ours(path) and os.path.lexists(legacy):
            raise OperationFailed(
                f"{path} is not ours and {legacy} exists too, so neither can be kept safely; "
                f"merge or remove one of them, then run 'git tracker hooks install' again"
            )
    paths.make_folder(state.hooks_dir, 0o755)
    done = []
    for name in HOOK_NAMES:
        path = os.path.join(state.hooks_dir, name)
        legacy = path + LEGACY_SUFFIX
        text = hook_text(name, python, package or package_folder())
        if _displaced(path):
            _drop_displaced(path)
            os.rename(path, legacy)
            done.append(
                f"{name}: installed again; the manager's rewritten hook runs first ({legacy})"
            )
        elif os.path.lexists(path) and not is_ours(path):
            os.rename(path, legacy)
            done.append(f"{name}: installed; the existing hook is kept and runs first ({legacy})")
        elif _same(path, text):
            done.append(f"{name}: unchanged")
            continue
        else:
            done.append(f"{name}: {'updated' if os.path.lexists(path) else 'installed'}")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(path, 0o755)
    return done


def _same(path: str, text: str) -> bool:
    """Whether `path` is an executable file holding exactly `text`."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read() == text and os.access(path, os.X_OK)
    except (OSError, UnicodeDecodeError):
        return False


def uninstall(state: RepoState) -> list[str]:
    """Remove our hooks and put back the ones they replaced."""
    done = []
    for name in HOOK_NAMES:
        path = os.path.join(state.hooks_dir, name)
        legacy = path + LEGACY_SUFFIX
        if _displaced(path):
            _drop_displaced(path)
            done.append(f"{name}: removed (the manager had rewritten its hook, which stays)")
            continue
        if not os.path.lexists(path):
            continue
        if not is_ours(path):
            done.append(f"{name}: left alone (not installed by tracker-git)")
            continue
        os.remove(path)
        if os.path.lexists(legacy):
            os.rename(legacy, path)
            done.append(f"{name}: removed; the previous hook is restored")
        else:
            done.append(f"{name}: removed")
    return done


def _displaced(path: str) -> bool:
    """Whether a manager wrote its hook at `path` over ours: ours moved to NAME.old (and the
    manager's earlier hook, if there was one, still kept as NAME.tracker-git-legacy)."""
    return os.path.lexists(path) and not is_ours(path) and is_ours(path + DISPLACED_SUFFIX)


def _drop_displaced(path: str) -> None:
    """Remove what a manager's rewrite left behind at `path`: our hook it moved aside and the
    copy of its earlier hook that ours ran (its current hook at `path` supersedes it)."""
    os.remove(path + DISPLACED_SUFFIX)
    if os.path.lexists(path + LEGACY_SUFFIX):
        os.remove(path + LEGACY_SUFFIX)
