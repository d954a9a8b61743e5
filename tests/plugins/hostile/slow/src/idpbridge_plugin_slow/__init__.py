"""An import that does not finish (an unreachable network share, a stuck lock, a long sleep).

When ``IDPBRIDGE_TEST_SLOW_MARKER`` names a file, it is created first, so a test knows the
import is under way.
"""

import os
import time
from pathlib import Path

marker = os.environ.get("IDPBRIDGE_TEST_SLOW_MARKER")
if marker:
    Path(marker).write_text("importing", encoding="utf-8")
time.sleep(3600)
