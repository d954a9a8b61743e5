"""Fails to import with escape sequences in the error message."""

raise RuntimeError("\x1b]0;pwned\x07\x1b[2J\x1b[31mboom\x1b[0m\u202e\nsecond line")
