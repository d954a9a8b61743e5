"""The token-segment parser (``loads_object``) accepts and refuses exactly what the strict
response parser (``parse_json_object``) does, through its C-scanner fast path and its fallback."""

from __future__ import annotations

import pytest

from idpbridge import MalformedResponse
from idpbridge._json import loads_object
from idpbridge.http import parse_json_object

CASES = [
    b'{"a":1}',
    b' {"a":1} ',
    b'\n\t{"a":1}\r\n',
    b'{"a":1} x',
    b'{"a":1}{"b":2}',
    b'{"a":1,"a":2}',
    b'{"a":{"b":1,"b":1}}',
    b"[1]",
    b'"x"',
    b"1",
    b'{"a":NaN}',
    b'{"a":-Infinity}',
    b'{"a":12345678901234567890}',
    b'{"a":123456789012345678901}',
    b'{"a":1.5e400}',
    b"",
    b" ",
    b"{",
    b'{"a":"\xff"}',
    b'{"a":"\\ud800"}',
    b'{"sub":"123456789012345678901234","exp":1796388971,"amr":["pwd"],"n":null,"t":true}',
]


@pytest.mark.parametrize("body", CASES)
def test_token_segments_parse_as_strictly_as_responses(body: bytes) -> None:
    try:
        expected = parse_json_object(body)
    except MalformedResponse:
        expected = None
    assert loads_object(body) == expected
