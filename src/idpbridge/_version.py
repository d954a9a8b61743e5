"""Version of the distribution and of the plugin API."""

__version__ = "0.1.0"

#: The connector-plugin API this SDK speaks, as ``(major, minor)``. A plugin built for the
#: same major and an equal or lower minor version loads; anything else is refused.
PLUGIN_API_VERSION: tuple[int, int] = (1, 1)
