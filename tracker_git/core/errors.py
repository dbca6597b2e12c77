"""The error types that reach the user, and the one top-level handler. Each error carries a
message that says what went wrong, why, and what to do; `handled` (used by the CLI and the
hooks) prints it on one line and maps it to an exit code."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


class TrackerGitError(Exception):
    """Base of every error a user can cause or fix. `exit_code` follows README "Exit codes"."""

    exit_code = 1


class OperationFailed(TrackerGitError):
    """An operation (a request, a git command, a keyring call) did not succeed."""

    exit_code = 1


class CheckFailed(TrackerGitError):
    """A check rejected something: a branch name, a message, a range of commits."""

    exit_code = 1


class UsageError(TrackerGitError):
    """The command line was wrong."""

    exit_code = 2


class ConfigError(TrackerGitError):
    """A configuration file or variable was wrong; the message names the file and the key."""

    exit_code = 2


def handled(
    job: Callable[[], int],
    debug: bool,
    say: Callable[[str], None],
    crash: Callable[[BaseException], str | None] | None = None,
) -> int:
    """`job()`'s exit code; what it raises as one line through `say` and an exit code (README
    "Exit codes"): a TrackerGitError its own, Ctrl-C 130, a closed output pipe 1, a bug of ours
    3 (core.crash.EXIT_CODE), with the path of the crash report `crash` writes (it returns
    None when it could not) and a request to report it. With `debug`, the traceback instead."""
    try:
        return job()
    except TrackerGitError as exc:
        if debug:
            raise
        say(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        if debug:
            raise
        from tracker_git.core import output

        output.info("\ninterrupted")
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug of ours must not lose the user's work: one line
        if debug:
            raise
        from tracker_git.core.crash import EXIT_CODE

        report = crash(exc) if crash else None
        where = f"the crash report is {report}" if report else "run again with --debug"
        say(f"unexpected {type(exc).__name__}: {exc} (a bug of tracker-git); {where}; report it")
        return EXIT_CODE
