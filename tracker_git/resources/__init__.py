"""Files shipped with the package: plain hook scripts, templates, the man page."""
