"""A working descriptor whose title carries terminal escape sequences and a bidi override."""

from idpbridge.kit import ConnectorPlugin

# Colour (CSI), a hyperlink and a window title (OSC), a screen clear, a C1 CSI, a bell and a
# right-to-left override: none of it may reach the terminal of whoever lists connectors.
HOSTILE = (
    "\x1b[31mRed\x1b[0m \x1b]8;;https://evil.example/\x07Link\x1b]8;;\x07 "
    "\x1b]0;pwned\x07\x1b[2J\x9b1mC1\x07 \u202eTitle"
)

PLUGIN = ConnectorPlugin(
    name="escapes",
    title=HOSTILE,
    methods=frozenset({"password"}),
    connector="idpbridge_plugin_escapes.connector:Missing",
    description=HOSTILE,
)
