"""`git tracker`: the entry point and the one error handler. The command table and the
argument parser are tracker_git.commands' (the help command and the man page read them too).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tracker_git.commands import COMMANDS, PROG, build_parser, load
from tracker_git.core import output
from tracker_git.core.errors import handled


def _command_name(argv: Sequence[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Token variables leave os.environ before anything runs, so no child process (git, the
    # editor, the browser) inherits them; tracker_git.secrets still reads them.
    from tracker_git import secrets

    secrets.scrub_environment()
    # --debug anywhere before "--" (after a command too): taken out before parsing.
    end = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:end]
    argv = [arg for arg in argv[:end] if arg != "--debug"] + argv[end:]
    name = _command_name(argv)

    def run() -> int:
        # No command on the line: load none of the command modules (and their libraries).
        parser = build_parser(only=name or "")
        args = parser.parse_args(argv)
        if args.version and not args.command:
            from tracker_git import about

            output.result(f"{PROG} {about.version()}")
            return 0
        if not args.command:
            output.result(parser.format_help().rstrip("\n"))
            return 2
        module, _ = COMMANDS[args.command]
        code: int = load(module).run(args)
        return code

    def crash(exc: BaseException) -> str | None:
        from tracker_git.core import crash

        try:
            from tracker_git import about

            version = about.version()
        except Exception:
            version = "unknown"
        return crash.write(exc, [PROG, *argv], version, secrets.known_values())

    return handled(run, debug, output.error, crash)


if __name__ == "__main__":
    raise SystemExit(main())
