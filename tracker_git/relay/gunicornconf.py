"""gunicorn settings that log every line the relay's way:
`gunicorn -c python:tracker_git.relay.gunicornconf 'tracker_git.relay.app:create_app()'`.

gunicorn's own lines (starting, listening, booting a worker, a worker's timeout or crash with
its traceback) and the relay's go through one configuration (relay.logs.dict_config): escaped,
in the relay file's `[server] log_format` (JSON: one object per line), to stderr. The file is
the one $TRACKER_GIT_RELAY_CONFIG names, as for the application.
"""

from __future__ import annotations

from tracker_git.relay.app import configured
from tracker_git.relay.logs import dict_config

logconfig_dict = dict_config(configured().log_format)
