"""A job under a hard time limit: the one helper for the keyring calls and the online check.

The job runs in a daemon thread that the caller waits for at most `limit` seconds. Neither a
keyring call (a hung D-Bus peer, a prompt nobody sees) nor requests (whose timeout is per socket
operation: a server trickling bytes resets it) can be stopped from outside, so a thread that
runs late is left behind; as a daemon it does not keep the process alive. `threading` is
imported on the first call: the hooks import this module only on their way to the network.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")


class TimedOut(Exception):
    """The job did not finish within its limit (it may still be running)."""


def within(job: Callable[[], T], limit: float, name: str) -> T:
    """`job()`'s result, or what it raised (re-raised here), or TimedOut after `limit` seconds.
    `name` names the thread (for a debugger or a thread dump)."""
    import threading

    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = job()
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise TimedOut(f"{name} did not finish within {limit:g} s")
    error = box.get("error")
    if isinstance(error, BaseException):
        raise error
    return box["value"]  # type: ignore[return-value]
