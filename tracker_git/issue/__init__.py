"""The commands' work around one issue, above the Tracker client: which issue a command is
about (`key`), what every such command starts from (`context`), the branch `start` makes
(`branch`) and the stand link `stand` writes (`stand`)."""
