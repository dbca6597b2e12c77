"""Help the git way: the `git-tracker` man page and the bash and zsh completion scripts,
all derived from the argument parser so that they never drift from `git tracker -h`; the
page's configuration, hooks and environment, and the key references in docs/, come from the
schemas (core/schema.py) and the code's own tables.

git turns `git tracker --help` into `git help tracker`, which shows `man git-tracker`; the page
is shipped in resources/ and installed into share/man/man1 (a test checks it is up to date).
Regenerate: `python -m tracker_git.helptext > tracker_git/resources/git-tracker.1`, and
`python -m tracker_git.helptext --docs` rewrites the generated blocks of docs/*.md.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from tracker_git import commands
from tracker_git.core import output, schema


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """Long options, the choices of positional arguments, and nested subcommands with their
    options (`check pr --base`)."""
    found: list[str] = []
    for action in parser._actions:
        found += [opt for opt in action.option_strings if opt.startswith("--")]
        if not action.option_strings and action.choices and not isinstance(action.choices, dict):
            found += [str(choice) for choice in action.choices]
    nested = _subparsers(parser)
    for sub in nested.values():
        found += [word for word in _options(sub) if word not in found]
    return found + list(nested)


def command_words() -> dict[str, list[str]]:
    """For completion: "" -> the subcommands; each subcommand -> its options and actions."""
    parser = commands.build_parser()
    subparsers = _subparsers(parser)
    words = {"": [*subparsers, "--debug", "--help", "--version"]}
    for name, sub in subparsers.items():
        words[name] = _options(sub)
    return words


def option_values() -> dict[str, list[str]]:
    """For completion: "COMMAND --option" -> the values that option takes (its choices)."""
    values: dict[str, list[str]] = {}

    def collect(name: str, parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if action.option_strings and action.choices:
                for option in action.option_strings:
                    values[f"{name} {option}"] = [str(choice) for choice in action.choices]
        for sub in _subparsers(parser).values():
            collect(name, sub)

    for name, sub in _subparsers(commands.build_parser()).items():
        collect(name, sub)
    return values


def _roff(text: str) -> str:
    return text.replace("\\", "\\\\").replace("-", "\\-").replace("\n.", "\n\\&.")


def man_page() -> str:
    parser = commands.build_parser()
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
        usage = " ".join(sub.format_usage().replace("usage: ", "").split())  # one line
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
        "2 usage or configuration error; 3 a bug of tracker-git (a crash report is written "
        "to the state folder, crashes/); 130 interrupted.",
        ".SH FILES",
        ".TP",
        ".B .tracker\\-git.toml",
        "repository configuration, committed and shared by the team",
        ".TP",
        ".B ~/.config/tracker\\-git/config.toml",
        "user configuration (the same keys)",
        ".TP",
        ".B .tracker\\-notify.toml",
        "the team's messenger alerts (git tracker notify)",
        ".SH CONFIGURATION",
        _roff(
            "Every key is optional. Precedence, highest first: command-line options, "
            "environment variables, .tracker-git.toml, the user's config.toml, the defaults "
            "below. Mistakes name the file, the key and what was expected (exit 2)."
        ),
    ]
    for title, sections in reference_sections():
        lines += [".SS " + _roff(title)]
        for key, kind, default, doc in schema.reference(sections):
            told = f"{kind}; default {default.strip('`')}" if default else kind
            lines += [".TP", f".B {_roff(key)}", _roff(f"{doc} ({told})")]
    lines += [".SH HOOKS", _roff(HOOKS_INTRO)]
    for hook, hook_id, summary in hooks():
        lines += [".TP", f".B {_roff(hook)}", _roff(f"{summary} (pre-commit id {hook_id})")]
    lines += [".SH ENVIRONMENT"]
    for names, meaning in environment():
        lines += [".TP", f".B {_roff(', '.join(names))}", _roff(meaning)]
    lines += [".SH EXAMPLES"]
    for text, command in EXAMPLES:
        lines += [_roff(text), ".PP", ".RS", ".nf", _roff(command), ".fi", ".RE", ".PP"]
    return "\n".join(lines[:-1]) + "\n"


def reference_sections() -> list[tuple[str, tuple[type[schema.Section], ...]]]:
    """The schemas of the three configuration files, titled as the man page shows them."""
    from tracker_git.core import config
    from tracker_git.notify import spec
    from tracker_git.relay import config as relay_config

    return [
        (".tracker-git.toml and config.toml", config.SECTIONS),
        ("The relay's file (git tracker relay --config FILE)", relay_config.DOCUMENTED),
        (".tracker-notify.toml (git tracker notify)", spec.SECTIONS),
    ]


HOOKS_INTRO = (
    "git tracker hooks install writes plain git hooks; with the pre-commit framework, "
    "git tracker init prints the configuration. A hook never blocks a commit over a network "
    "problem. TRACKER_GIT_SKIP=1 skips every hook, SKIP=ID[,ID] the hooks with those ids."
)


def hooks() -> list[tuple[str, str, str]]:
    """(hook, pre-commit id, what it does): the first line of each hook module's doc."""
    from tracker_git.hooks.common import HOOK_IDS

    found = []
    for hook, hook_id in HOOK_IDS.items():
        module = importlib.import_module(f"tracker_git.hooks.{hook.replace('-', '_')}")
        summary = (module.__doc__ or "").strip().splitlines()[0].removeprefix(f"{hook}: ")
        found.append((hook, hook_id, summary.rstrip(".")))
    return found


def environment() -> list[tuple[list[str], str]]:
    """Every environment variable tracker-git reads, from the tables that name them."""
    from tracker_git import secrets
    from tracker_git.core import config, forgekinds
    from tracker_git.forges import API_URL_VARIABLE
    from tracker_git.issue.key import CI_BRANCH_VARIABLES
    from tracker_git.relay.app import CONFIG_VARIABLE

    rows = [([name], f"sets {key.dotted}: {key.doc}") for name, key in config.ENVIRONMENT.items()]
    rows.append(([secrets.ENV_TOKEN], "the Tracker token, in the keyring's place (CI, the relay)"))
    for row in forgekinds.FORGES:
        if row.token_variables:
            hosts = " and ".join(forgekinds.public_api_hosts(row))
            rows.append((list(row.token_variables), f"the {row.name} token, sent to {hosts} only"))
    rows.append(
        (
            [secrets.HOST_TOKEN, secrets.TOKEN_HOST],
            "a self-hosted forge's token and the host[:port] of the API it is bound to "
            "(sent to that host only)",
        )
    )
    others = [n for n in secrets.TOKEN_VARIABLES if all(n not in names for names, _ in rows)]
    if others:
        rows.append((others, "never passed on to a process tracker-git starts (nor are the above)"))
    rows += [
        ([API_URL_VARIABLE], "the forge's API base, over [forge] api_url (tests, the demo)"),
        ([CONFIG_VARIABLE], "the relay's configuration file, when --config is not given"),
        (["TRACKER_GIT_SKIP"], "1: every hook does nothing"),
        (["SKIP"], "ID[,ID]: the hooks with these pre-commit ids do nothing (plain hooks too)"),
        (
            list(CI_BRANCH_VARIABLES),
            "the CI's branch, in this order: where a command needs an issue key and neither "
            "its arguments nor the branch name give one",
        ),
        (
            [
                "PRE_COMMIT_COMMIT_MSG_SOURCE",
                "PRE_COMMIT_FROM_REF",
                "PRE_COMMIT_TO_REF",
                "PRE_COMMIT_LOCAL_BRANCH",
                "PRE_COMMIT_REMOTE_NAME",
            ],
            "what the pre-commit framework tells the hooks in place of git's arguments",
        ),
        (["NO_COLOR"], "no colour in the output"),
        (
            ["XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"],
            "where the user config, the caches and the state go (Linux)",
        ),
    ]
    return rows


EXAMPLES = [
    (
        "Set up a repository: a commented .tracker-git.toml for two queues, then the hooks:",
        "git tracker init --queues DEV,OPS\ngit tracker hooks install",
    ),
    (
        "Store the Tracker token in the keyring, and the organization in the user config:",
        "git tracker login --org-id 1234567 --save-org",
    ),
    (
        "Start on an issue: a branch named from it, the issue moved to [statuses] start:",
        "git tracker start DEV-123",
    ),
    ("Open a pull request filled from the issue, and move the issue to review:", "git tracker pr"),
    (
        "Check the commits of a branch in CI, as the pre-push hook does:",
        "git tracker check range origin/main..HEAD",
    ),
    ("Skip the hooks for one commit:", "TRACKER_GIT_SKIP=1 git commit -m 'wip'"),
]


def _pattern(name: str) -> str:
    return name or '""'


def bash_completion() -> str:
    cases = "\n".join(
        f'        {_pattern(name)}) echo "{" ".join(words)}" ;;'
        for name, words in command_words().items()
    )
    values = "\n".join(
        f'        "{pair}") echo "{" ".join(words)}" ;;' for pair, words in option_values().items()
    )
    return f"""\
# bash completion for git tracker; load it with: source <(git tracker completion bash)
_git_tracker_words() {{
    case "$1" in
{cases}
    esac
}}
# The values an option takes: "$1" is "COMMAND --option".
_git_tracker_values() {{
    case "$1" in
{values}
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
    local values
    values=$(_git_tracker_values "$sub ${{COMP_WORDS[COMP_CWORD-1]}}")
    [ -n "$values" ] || values=$(_git_tracker_words "$sub")
    COMPREPLY=($(compgen -W "$values" -- "$cur"))
}}
complete -F _git_tracker git-tracker
"""


def zsh_completion() -> str:
    cases = "\n".join(
        f"        {_pattern(name)}) print -l -- {' '.join(words)} ;;"
        for name, words in command_words().items()
    )
    values = "\n".join(
        f'        "{pair}") print -l -- {" ".join(words)} ;;'
        for pair, words in option_values().items()
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
_git_tracker_values() {{
    # $1: "COMMAND --option"
    case "$1" in
{values}
    esac
}}
_git-tracker() {{
    local sub=""
    (( CURRENT > 2 )) && sub=$words[2]
    local -a candidates
    candidates=(${{(f)"$(_git_tracker_values "$sub $words[CURRENT-1]")"}})
    (( $#candidates )) || candidates=(${{(f)"$(_git_tracker_candidates "$sub")"}})
    compadd -a candidates
}}
(( $+functions[compdef] )) && compdef _git-tracker git-tracker
"""


DOC_BEGIN = "<!-- reference: generated from the schema by python -m tracker_git.helptext --docs -->"
DOC_END = "<!-- end of reference -->"


def markdown_reference(sections: tuple[type[schema.Section], ...]) -> str:
    """The keys of a file as a markdown table: key, kind, default, meaning."""
    lines = ["| key | kind | default | meaning |", "| --- | --- | --- | --- |"]
    for key, kind, default, doc in schema.reference(sections):
        cells = [f"`{key}`", kind, default, doc]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def doc_references() -> dict[str, str]:
    """docs/ file -> the generated table it holds between DOC_BEGIN and DOC_END."""
    from tracker_git.core import ciplatforms

    files = ("configuration.md", "relay.md", "notify.md")
    tables = {
        name: markdown_reference(sections)
        for name, (_, sections) in zip(files, reference_sections(), strict=True)
    }
    tables["enforcement.md"] = ciplatforms.markdown_table()  # the CI platforms' variables
    return {f"docs/{name}": table for name, table in tables.items()}


def with_reference(text: str, table: str) -> str:
    """`text` with the block between the markers replaced by `table`."""
    start = text.index(DOC_BEGIN) + len(DOC_BEGIN)
    end = text.index(DOC_END, start)
    return f"{text[:start]}\n{table}\n{text[end:]}"


def update_docs(root: Path) -> None:
    for name, table in doc_references().items():
        path = root / name
        path.write_text(with_reference(path.read_text(encoding="utf-8"), table), encoding="utf-8")


if __name__ == "__main__":  # regenerate the shipped page: python -m tracker_git.helptext
    if sys.argv[1:] == ["--docs"]:
        update_docs(Path.cwd())
    else:
        output.result(man_page().removesuffix("\n"))
