"""The `.pre-commit-config.yaml` snippets that add tracker-git's hooks to a repository.

The standard form points pre-commit at this project's git URL and a release tag, where our
top-level `.pre-commit-hooks.yaml` defines the hooks. The `repo: local` form is for machines
where pre-commit cannot clone that URL: it lists the hooks itself and has pip install the
package from a wheel (or a source folder) the user names, never from that URL.
"""

from __future__ import annotations

from tracker_git import hooks

INSTALL_TYPES = f"default_install_hook_types: [{', '.join(hooks.GIT_HOOKS)}]"
# id, tracker-git-hook argument, stages, whether the hook takes the message file
HOOKS = tuple(
    (hook.id, hook.name, f"[{', '.join(hook.stages)}]", hook.takes_file) for hook in hooks.HOOKS
)


def tag(version: str) -> str:
    """The release tag of a version: v0.1.0."""
    return f"v{version}"


def entry(url: str, version: str, indent: str) -> str:
    """Our item of the `repos:` list, its dash at `indent`."""
    lines = [f"{indent}- repo: {url}", f"{indent}  rev: {tag(version)}", f"{indent}  hooks:"]
    lines += [f"{indent}    - id: {hook_id}" for hook_id, *_ in HOOKS]
    return "\n".join(lines) + "\n"


def standard_snippet(url: str, version: str) -> str:
    return f"{INSTALL_TYPES}\nrepos:\n" + entry(url, version, "  ")


def add_entry(text: str, item: str) -> str | None:
    """`text` (a .pre-commit-config.yaml) with `item` (an `entry` or a `local_entry`, its dash
    at no indent) first in its block-style `repos:` list and, where the file sets none,
    default_install_hook_types; every byte of `text` kept. None where there is no such list
    (flow style, or no `repos:` at the top level)."""
    import re

    lines = text.splitlines(keepends=True)
    start = next((n for n, line in enumerate(lines) if re.match(r"repos:\s*(#.*)?$", line)), None)
    if start is None:
        return None
    found = next((re.match(r"( *)- ", line) for line in lines[start + 1 :] if line.strip()), None)
    indent = found.group(1) if found else "  "
    if not lines[start].endswith("\n"):
        lines[start] += "\n"
    lines.insert(start + 1, "".join(indent + line for line in item.splitlines(keepends=True)))
    if not re.search(r"(?m)^default_install_hook_types:", text):
        lines.insert(0, INSTALL_TYPES + "\n")
    return "".join(lines)


def wheel_placeholder(version: str) -> str:
    """What the `repo: local` form names until the user gives a wheel: a path to fill in."""
    return f"/path/to/tracker_git-{version}-py3-none-any.whl"


def local_entry(source: str, indent: str) -> str:
    """Our `repo: local` item of the `repos:` list, its dash at `indent`: pip installs
    tracker-git from `source` (a wheel or a source folder: a path, never the project's URL)."""
    lines = [f"{indent}- repo: local", f"{indent}  hooks:"]
    for hook_id, name, stages, takes_file in HOOKS:
        lines += [
            f"{indent}    - id: {hook_id}",
            f"{indent}      name: {hook_id}",
            f"{indent}      entry: tracker-git-hook {name}",
            f"{indent}      language: python",
            f"{indent}      additional_dependencies: [{_quoted(source)}]",
            f"{indent}      stages: {stages}",
        ]
        if not takes_file:
            lines += [f"{indent}      pass_filenames: false", f"{indent}      always_run: true"]
    return "\n".join(lines) + "\n"


def local_snippet(source: str) -> str:
    return f"{INSTALL_TYPES}\nrepos:\n" + local_entry(source, "  ")


def _quoted(value: str) -> str:
    """`value` as a YAML double-quoted string (a Windows path's backslashes, a quote)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
