"""The plugin guide shows the example plugin's files verbatim (inlined, so the guide reads as raw
Markdown too): every ``title="<path>"`` code block equals that file of docs/examples/idpbridge-acme."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"
EXAMPLE = ROOT / "docs" / "examples" / "idpbridge-acme"
BLOCK = re.compile(r'```\w+ title="([^"]+)"\n(.*?)\n```', re.S)


def test_guide_blocks_equal_the_example_files() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert "--8<--" not in text
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 5
    for title, body in blocks:
        assert body + "\n" == (EXAMPLE / title).read_text(encoding="utf-8"), title
