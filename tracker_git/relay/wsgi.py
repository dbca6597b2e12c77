"""A module-level WSGI application for servers that want one (uWSGI, mod_wsgi, or
`gunicorn tracker_git.relay.wsgi:application`), configured by $TRACKER_GIT_RELAY_CONFIG."""

from __future__ import annotations

from tracker_git.relay.app import create_app

application = create_app()
