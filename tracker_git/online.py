"""Online key checks for the hooks: does Tracker know these issues?

The order matters for speed (docs/hooks.md): the cache is read first, and a warm cache costs one
JSON read; only keys without a fresh answer reach the keyring and the network, each under its
own hard time limit (`[hooks] timeout`, 2 s by default). When Tracker cannot be asked (no
token, a locked or hung keyring, no network, an error answer) the hook warns once and lets the
commit through, or, with `[hooks] strict = true`, blocks it.
"""

from __future__ import annotations

import sys

from tracker_git import cache
from tracker_git.core import output
from tracker_git.core.config import Config
from tracker_git.core.errors import CheckFailed, ConfigError, TrackerGitError
from tracker_git.core.keys import MAX_ONLINE_KEYS

# Only what a warm cache needs is imported at the top: threading, typing and urllib cost a
# third of a warm hook, and are needed only when Tracker is asked.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

# Per process, per scope: why Tracker could not be asked. A hook that checks several commits
# waits out the time limit once and warns once, not once per commit.
_down: dict[str, str] = {}
# Per process, per scope: why the check is skipped (an untrusted address); never blocks.
_skipped: dict[str, str] = {}
_site_loaded = False  # see _load_site


class Unreachable(Exception):
    """Tracker could not give an answer; the message says why (never contains the token)."""


def scope(config: Config) -> str:
    """Whose issues: the API host and organization (issue keys are unique only inside one)."""
    url = config.tracker.api_url.strip()
    api = url.partition("://")[2].partition("/")[0].lower()  # the netloc, without urllib
    org = config.tracker.org_id or config.tracker.cloud_org_id
    return f"{api}/{org}"


def verify_keys(keys: list[str], config: Config) -> list[str]:
    """The keys (of `keys`, in order) that Tracker says do not exist. Keys it could not be
    asked about count as existing, after a warning; with `[hooks] strict` that raises
    CheckFailed instead."""
    # Capped: a message of thousands of keys must not become thousands of questions.
    wanted = list(dict.fromkeys(key.upper() for key in keys))[:MAX_ONLINE_KEYS]
    where = scope(config)
    answers = cache.lookup(where, wanted)
    unknown = [key for key in wanted if key not in answers]
    if unknown:
        try:
            if where in _skipped:
                raise Untrusted(_skipped[where])
            if where in _down:
                raise Unreachable(_down[where])
            noted = cache.outage(where)
            if noted is not None:  # an earlier hook of this commit found it down, and said so
                _down[where] = noted
                raise Unreachable(noted)
            fetched = _ask_tracker(unknown, config)
        except Untrusted as exc:
            _untrusted(where, str(exc))
            return [key for key in wanted if answers.get(key) is False]
        except Unreachable as exc:
            _unreachable(where, str(exc), config)
            return [key for key in wanted if answers.get(key) is False]
        cache.record(where, fetched)
        answers.update(fetched)
    return [key for key in wanted if answers.get(key) is False]


class Untrusted(Exception):
    """The Tracker address cannot be used: a repository's file names one the user has not
    trusted, or the address is malformed. Either way the check is skipped with a note."""


def _untrusted(where: str, reason: str) -> None:
    """Never blocks, not even with [hooks] strict: a cloned repository must not be able to
    stop commits by pointing api_url elsewhere. Said once per process."""
    if where not in _skipped:
        output.warn(f"skipped the online key check: {reason}")
    _skipped[where] = reason


class TrackerDown(CheckFailed):
    """With [hooks] strict: Tracker could not be asked (`reason` says why), so no verdict."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _unreachable(where: str, reason: str, config: Config) -> None:
    first = where not in _down
    _down[where] = reason
    if first:
        cache.record_outage(where, reason)
    if config.hooks.strict:
        raise TrackerDown(
            f"cannot check issue keys with Tracker: {reason}; [hooks] strict = true blocks "
            "until it answers (or skip this once with TRACKER_GIT_SKIP=1)",
            reason,
        )
    if first:
        output.warn(
            f"cannot check issue keys with Tracker: {reason}; going ahead without the check "
            "(set [hooks] strict = true to block instead)"
        )


def _load_site() -> None:
    """The plain hooks start Python without its `site` module (-S: ~3 ms on every commit), so
    the folders of requests and keyring may be missing from sys.path; asking Tracker needs
    them, so `site` adds them here, as it would have at start-up."""
    global _site_loaded
    if sys.flags.no_site and not _site_loaded:
        import site

        site.main()
        _site_loaded = True


def check_address(config: Config) -> str:
    """Tracker's API address, when it is one and allowed (trust); ConfigError in one line
    otherwise. The hooks turn that into a note; `check pr --online` (a gate) into exit 2."""
    _load_site()
    from tracker_git import trust
    from tracker_git.http import check_api_url

    api = check_api_url(config.tracker.api_url)
    trust.check_tracker(config)
    return api


def _ask_tracker(keys: list[str], config: Config) -> dict[str, bool]:
    _load_site()
    from tracker_git import secrets

    limit = config.hooks.timeout
    try:
        # The address first: a malformed or untrusted one is a note, never a blocked commit
        # (not even with [hooks] strict), and no token is read for it.
        api = check_address(config)
    except ConfigError as exc:
        raise Untrusted(str(exc)) from None
    try:
        token = secrets.tracker_token(config, timeout=limit)
    except TrackerGitError as exc:
        raise Unreachable(str(exc)) from None

    def fetch() -> dict[str, bool]:
        from tracker_git.http import RetryPolicy
        from tracker_git.tracker import connect

        # no backoff inside a commit: one try, then warn
        client = connect.client(
            config.tracker, token, timeout=limit, policy=RetryPolicy(attempts=1)
        )
        # One search for all the keys (a request per SEARCH_BATCH keys), not one per key: a
        # moved issue counts for its old key too; one the token cannot see does not exist.
        found = client.existing_keys(keys)
        return {key: key in found for key in keys}

    return _within(fetch, limit, api)


def _within(job: Callable[[], T], limit: float, api: str) -> T:
    """`job` under a hard time limit (core/deadline.py), its failures as Unreachable."""
    from tracker_git.core import deadline  # not on a warm cache's path

    try:
        return deadline.within(job, limit, "tracker-git-online")
    except deadline.TimedOut:
        raise Unreachable(f"{api} did not answer within {limit:g} s") from None
    except TrackerGitError as exc:  # the client's one-line reason
        raise Unreachable(str(exc)) from None
    except Exception as error:
        # A connection error's text can be long and carries no secret; keep its first line.
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise Unreachable(
            f"{api} cannot be reached ({type(error).__name__}: {detail[:200]})"
        ) from None
