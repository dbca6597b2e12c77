"""The error types that reach the user. Each carries a message that says what went wrong,
why, and what to do; the CLI's one handler prints it on one line and maps it to an exit code."""

from __future__ import annotations


class TrackerGitError(Exception):
    """Base of every error a user can cause or fix. `exit_code` follows SPEC "Exit codes"."""

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
