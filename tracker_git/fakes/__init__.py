"""The fake HTTP servers' framework: what the sandbox Tracker and the forge emulators share."""
