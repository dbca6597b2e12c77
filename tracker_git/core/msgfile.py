"""A commit message file read the way git will clean it, with this repository's settings."""

from __future__ import annotations

from tracker_git.core import gitconfig, message

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tracker_git.core.gitstate import RepoState

# git's commit.cleanup modes, mapped to how `message.clean` reads the message. "default" is
# "strip" when an editor was used; a hook cannot tell, and "strip" errs towards asking for a key.
CLEANUP_MODES = {"default": "strip", "strip": "strip", "whitespace": "whitespace",
                 "verbatim": "verbatim", "scissors": "scissors"}  # fmt: skip


class MessageFile:
    """The raw text, the comment string git used, and the message as git will store it."""

    __slots__ = ("cleaned", "cleanup", "comment", "text")

    def __init__(self, text: str, comment: str, cleaned: str, cleanup: str = "strip") -> None:
        self.text = text
        self.comment = comment
        self.cleaned = cleaned
        self.cleanup = cleanup  # how message.clean read it


def parse(raw: bytes, cwd: str | None = None, state: RepoState | None = None) -> MessageFile:
    """`state`: the repository the hook runs in, which lets git's settings be read without
    starting git where none of them can be set (core/gitconfig.py)."""
    text = message.decode(raw)
    settings = gitconfig.message_settings(state, cwd)
    configured = settings.get("core.commentstring") or settings.get("core.commentchar")
    comment = message.comment_prefix(text, configured)
    cleanup = CLEANUP_MODES.get(settings.get("commit.cleanup", "default"), "strip")
    return MessageFile(text, comment, message.clean(text, comment, cleanup), cleanup)


def recleaned(msg: MessageFile, text: str) -> str:
    """`text` (the file's new content) as git will store it, read as `msg` was."""
    return message.clean(text, msg.comment, msg.cleanup)


def read(path: str, cwd: str | None = None, state: RepoState | None = None) -> MessageFile:
    with open(path, "rb") as f:
        return parse(f.read(), cwd, state)
