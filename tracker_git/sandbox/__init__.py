"""A local server that speaks the part of Yandex Tracker's API that tracker-git uses
(docs/sandbox.md). Standard library only; never imports tracker_git.tracker."""

from __future__ import annotations

from tracker_git.sandbox.seed import DEFAULT_ORG_ID, DEFAULT_TOKEN, DEMO_QUEUE, STAND_FIELD_ID
from tracker_git.sandbox.server import Sandbox, open_state
from tracker_git.sandbox.state import SandboxState

__all__ = [
    "DEFAULT_ORG_ID",
    "DEFAULT_TOKEN",
    "DEMO_QUEUE",
    "STAND_FIELD_ID",
    "Sandbox",
    "SandboxState",
    "open_state",
]
