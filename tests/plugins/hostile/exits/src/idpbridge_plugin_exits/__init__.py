"""Calls ``sys.exit`` while being imported: once ended ``idpbridge connectors`` silently."""

import sys

sys.exit(3)
