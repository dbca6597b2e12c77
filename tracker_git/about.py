"""What tracker-git says about itself: its version and where it lives, from the installed
package's metadata, so that pyproject.toml is the one place that holds them.

importlib.metadata is slow to import: only the commands use this, never the hooks.
"""

from __future__ import annotations

from importlib import metadata

from tracker_git.core.errors import OperationFailed

DISTRIBUTION = "tracker-git"


def version() -> str:
    return metadata.version(DISTRIBUTION)


def user_agent() -> str:
    """What our requests say they are: `tracker-git/VERSION (+REPOSITORY)`, both from the
    installed metadata (pyproject.toml); the name alone where the package runs from a folder
    without its metadata (a plain hook's path line), as a request must not fail over it."""
    try:
        return f"{DISTRIBUTION}/{version()} (+{project_url()})"
    except (metadata.PackageNotFoundError, OperationFailed):
        return DISTRIBUTION


def project_url() -> str:
    """The git URL of the project ([project.urls] Repository in pyproject.toml)."""
    for entry in metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return str(url.strip())
    raise OperationFailed(
        "the installed tracker-git names no Repository URL in its metadata; reinstall it"
    )
