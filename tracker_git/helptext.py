"""Help the git way: the `git-tracker` man page and the bash and zsh completion scripts,
all derived from the argument parser so that they never drift from `git tracker -h`.

git turns `git tracker --help` into `git help tracker`, which shows `man git-tracker`; the page
is shipped in resources/ and installed into share/man/man1 (a test checks it is up to date).
"""

from __future__ import annotations

import argparse

from tracker_git import cli


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """Long options, the choices of positional arguments, and nested subcommands."""
    found: list[str] = []
    for action in parser._actions:
        found += [opt for opt in action.option_strings if opt.startswith("--")]
        if not action.option_strings and action.choices and not isinstance(action.choices, dict):
            found += [str(choice) for choice in action.choices]
    return found + list(_subparsers(parser))


def command_words() -> dict[str, list[str]]:
    """For completion: "" -> the subcommands; each subcommand -> its options and actions."""
    parser = cli.build_parser()
    commands = _subparsers(parser)
    words = {"": [*commands, "--debug", "--help"]}
    for name, sub in commands.items():
        words[name] = _options(sub)
    return words


def _roff(text: str) -> str:
    return text.replace("\\", "\\\\").replace("-", "\\-").replace("\n.", "\n\\&.")


def man_page() -> str:
    parser = cli.build_parser()
    lines = [
        '.TH GIT-TRACKER 1 "" "tracker-git" "Git Manual"',
        ".SH NAME",
        "git\\-tracker \\- tie git to Yandex Tracker",
        ".SH SYNOPSIS",
        ".B git tracker",
        "[\\-\\-debug] COMMAND [OPTIONS]",
        ".SH DESCRIPTION",
        _roff(
            "Keeps issue keys in branch names, commit messages and pull requests, opens pull "
            "requests filled from the issue, and moves issues as the review goes. "
            "Run 'git tracker COMMAND -h' for the options of one command."
        ),
        ".SH COMMANDS",
    ]
    for name, sub in _subparsers(parser).items():
        lines += [".TP", f".B {name}", _roff(sub.description or "")]
        usage = sub.format_usage().replace("usage: ", "").strip()
        lines += [".br", f"Usage: {_roff(usage)}"]
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if action.option_strings and action.help and action.help != argparse.SUPPRESS:
                lines += [
                    ".br",
                    f"\\fB{_roff(', '.join(action.option_strings))}\\fR: {_roff(action.help)}",
                ]
    lines += [
        ".SH EXIT STATUS",
        "0 success; 1 a check rejected something or an operation failed; "
        "2 usage or configuration error; 130 interrupted.",
        ".SH FILES",
        ".TP",
        ".B .tracker\\-git.toml",
        "repository configuration, committed and shared by the team",
        ".TP",
        ".B ~/.config/tracker\\-git/config.toml",
        "user configuration (the same keys)",
        ".SH ENVIRONMENT",
        "TRACKER_TOKEN, TRACKER_API_URL, TRACKER_ORG_ID, TRACKER_CLOUD_ORG_ID, TRACKER_GIT_SKIP, NO_COLOR",
    ]
    return "\n".join(lines) + "\n"


def _pattern(name: str) -> str:
    return name or '""'


def bash_completion() -> str:
    cases = "\n".join(
        f'        {_pattern(name)}) echo "{" ".join(words)}" ;;'
        for name, words in command_words().items()
    )
    return f"""\
# bash completion for git tracker; load it with: source <(git tracker completion bash)
_git_tracker_words() {{
    case "$1" in
{cases}
    esac
}}
# git's own completion calls _git_tracker for `git tracker ...`; git-tracker uses it directly.
_git_tracker() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" sub="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            tracker | -*) ;;
            *) sub="${{COMP_WORDS[i]}}"; break ;;
        esac
    done
    COMPREPLY=($(compgen -W "$(_git_tracker_words "$sub")" -- "$cur"))
}}
complete -F _git_tracker git-tracker
"""


def zsh_completion() -> str:
    cases = "\n".join(
        f"        {_pattern(name)}) print -l -- {' '.join(words)} ;;"
        for name, words in command_words().items()
    )
    return f"""\
#compdef git-tracker
# zsh completion for git tracker; put it on $fpath as _git-tracker, or: source <(git tracker completion zsh)
# git's zsh completion calls _git-tracker for `git tracker ...`.
_git_tracker_candidates() {{
    # $1: the subcommand so far ("" when none yet)
    case "$1" in
{cases}
    esac
}}
_git-tracker() {{
    local sub=""
    (( CURRENT > 2 )) && sub=$words[2]
    local -a candidates
    candidates=(${{(f)"$(_git_tracker_candidates "$sub")"}})
    compadd -a candidates
}}
(( $+functions[compdef] )) && compdef _git-tracker git-tracker
"""


if __name__ == "__main__":  # regenerate the shipped page: python -m tracker_git.helptext
    print(man_page(), end="")
