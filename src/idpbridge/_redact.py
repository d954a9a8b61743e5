"""Credential redaction in free text: the engine behind ``errors.sanitize`` and the log filters.

:func:`redact` removes, from any text:

* URL user info, query strings and fragments (``https://u:p@host/cb?code=…#…`` becomes
  ``https://host/cb?[redacted]``), and the query of an HTTP request line
  (``"GET /x?token=… HTTP/1.1"``);
* the values of ``Authorization``, ``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and API-key
  headers, as a text header (to the end of the line), a dict entry or an ``(b'name', b'value')``
  pair;
* bare tokens (JWS/JWE, ``Bearer``/``Basic`` credentials);
* the value of any ``key=value`` / ``"key": "value"`` whose key names a credential (password,
  secret, token, code, session, …).

Values may be quoted with escapes at any depth: the text is first searched for string literals
(Python ``'…'``/``"…"``/``b'…'`` reprs and JSON strings), each is decoded and redacted on its own
(recursively), and re-encoded only if something inside changed. So a password with quotes or
backslashes inside a JSON body inside a ``bytes`` repr (``b'{"PASSWORD": "a\\\\"b"}'``) is redacted
whole, never cut at the first escaped quote. Every pattern is linear in the text length.
"""

from __future__ import annotations

import json
import re

__all__ = ["REDACTED", "redact"]

REDACTED = "[redacted]"

_SECRET_WORDS = (
    r"password|passwd|secret|token|code|otp|assertion|session|statehandle|verifier"
    r"|api_?key|private_?key|cookie|credential"
)
# A quoted value: Python str/bytes repr or JSON string, escapes honoured; a missing closing
# quote (a cut-short text) takes the rest.
_QUOTED = r"b?\"(?:[^\"\\]|\\.)*\"?|b?'(?:[^'\\]|\\.)*'?"
# Bare tokens anywhere in free text: compact JWS/JWE (also when cut short) and auth header values.
_TOKENISH = re.compile(r"(?i)eyJ[\w-]{8,}(?:\.[\w-]*){0,4}|\b(?:bearer|basic)\s+[\w\-.~+/=]{4,}")
# ``key=value``, ``"key": "value"``, ``key: value`` where the key names a credential. The key is
# anchored at a word start and the keyword found by a bounded lookahead, so matching stays linear
# on hostile input (no backtracking over long runs of word characters).
_SECRET_PAIR = re.compile(
    r"(?is)(?<![\w./-])(?=[\w.-]{0,64}?(?:" + _SECRET_WORDS + r"))"  # "/token: x" is a path, not a key
    r"(?P<name>[\w.-]{1,128})(?P<sep>[\"']?\s*[:=]\s*)"
    r"(?!\[redacted\])"  # already redacted: leave alone, so redaction is idempotent
    # quoted (spaces and escapes too), or bare: up to white space or a form's "&", never cut at a
    # quote or bracket inside the value (a bare password may hold any of them)
    r"(?P<value>" + _QUOTED + r"|[^\s&]+)"
)
# Keys that contain the words above but name harmless, useful diagnostics.
_HARMLESS_KEYS = frozenset(
    {"error_code", "errorcode", "status_code", "statuscode", "token_type", "code_challenge_method"}
)
_HEADERS = r"authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-amz-security-token"
# A header as a dict entry or a name/value pair of quoted strings: ``'Cookie': 'a=b'``,
# ``(b'Set-Cookie', b'sid=…; Path=/')``.
_HEADER_QUOTED = re.compile(
    r"(?is)(?P<head>b?[\"'](?:" + _HEADERS + r")[\"']\s*[:,]\s*)(?!\[redacted\])(?P<value>" + _QUOTED + ")"
)
# A header as a text line: ``Set-Cookie: sid=…; Path=/`` (the value runs to the end of the line).
_HEADER_LINE = re.compile(
    r"(?im)(?P<head>(?<![\w-])(?:" + _HEADERS + r")\s*:[ \t]*+)(?!\[redacted\])[^\r\n]+"
)
# A URL: scheme://[userinfo@]host[path][?query][#fragment]; user info, query, fragment go.
_URL = re.compile(
    r"(?i)\b(?P<scheme>[a-z][a-z0-9+.-]{0,15}://)(?:[^\s/?#@'\"<>\\]*@)?"
    r"(?P<rest>[^\s?#'\"<>\\]*)(?P<query>[?#]\S*)?"
)
# The query of an HTTP request line as libraries log it: ``"GET /path?query HTTP/1.1"``, or of
# an HTTP/2 ``:path`` pseudo-header as hpack logs it: ``(b':path', b'/path?query')``.
_REQUEST_LINE = re.compile(
    r"\b(?P<head>(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+/[^\s?#]*)[?#]\S*"
    r"|(?P<h2>b?[\"']:path[\"']\s*[:,]\s*b?[\"']/[^\s?#'\"]*)[?#]\S*"
)
# The start of a string literal: a quote not preceded by a word character or a backslash.
_LITERAL_START = re.compile(r"(?<![\w\\])(?:b(?=['\"]))?['\"]")
_LITERAL_BODY = {
    "'": re.compile(r"(?:[^'\\\n]|\\.)*'(?!\w)"),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"(?!\w)'),
}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "/": "/",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
}
_MAX_DEPTH = 4
_MAX_PASSES = 4


class _NotALiteral(Exception):
    pass


def _unescape(body: str, *, is_bytes: bool) -> str:
    """Decode the inside of a repr/JSON string literal; raise :class:`_NotALiteral` if it is not one."""

    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] == "x" and len(e) == 3:
            return chr(int(e[1:], 16))
        if e[0] in "uU" and len(e) > 1:
            if is_bytes:
                raise _NotALiteral
            return chr(int(e[1:], 16))
        if e in _SIMPLE_ESCAPES and not (is_bytes and e == "/"):
            return _SIMPLE_ESCAPES[e]
        raise _NotALiteral

    text = _ESCAPE.sub(one, body)
    if not is_bytes:
        return text
    try:
        return text.encode("latin-1").decode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a non-ASCII character inside b'…': not a repr
        raise _NotALiteral from None


def _encode(text: str, quote: str, *, is_bytes: bool) -> str:
    if is_bytes:
        return repr(text.encode("utf-8", "surrogateescape"))
    if quote == '"':
        return json.dumps(text, ensure_ascii=False)
    return repr(text)


def _literals(text: str, depth: int) -> str:
    """Redact inside every string literal of ``text`` (one pass, left to right, linear)."""
    out: list[str] = []
    pos = 0
    search_from = 0
    while True:
        start = _LITERAL_START.search(text, search_from)
        if start is None:
            break
        is_bytes = start.group().startswith("b")
        quote = start.group()[-1]
        body = _LITERAL_BODY[quote].match(text, start.end())
        if body is None:
            # No closing quote on this line that ends a literal: try from the next character.
            search_from = start.end()
            continue
        end = body.end()
        if "\\" not in body.group():
            # Nothing escaped: the text inside is the same at this level, where the rules below
            # see it anyway (and bounded by the same quotes). Skipping it keeps big bodies cheap.
            search_from = end
            continue
        try:
            inner = _unescape(body.group()[:-1], is_bytes=is_bytes)
        except _NotALiteral:
            search_from = end - 1  # the closing quote may open the next literal
            continue
        clean = _redact(inner, depth + 1)
        if clean != inner:
            out.append(text[pos : start.start()])
            out.append(_encode(clean, quote, is_bytes=is_bytes))
            pos = end
        search_from = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _redact_pair(m: re.Match[str]) -> str:
    if m.group("name").lower() in _HARMLESS_KEYS:
        return m.group(0)
    return m.group("name") + m.group("sep") + REDACTED


def _url(m: re.Match[str]) -> str:
    query = m.group("query")
    return m.group("scheme") + m.group("rest") + (query[0] + REDACTED if query else "")


def _redact(text: str, depth: int) -> str:
    if depth < _MAX_DEPTH and ("'" in text or '"' in text):
        text = _literals(text, depth)
    text = _HEADER_QUOTED.sub(lambda m: m.group("head") + REDACTED, text)
    text = _HEADER_LINE.sub(lambda m: m.group("head") + REDACTED, text)
    text = _URL.sub(_url, text)
    text = _REQUEST_LINE.sub(lambda m: (m.group("head") or m.group("h2")) + "?" + REDACTED, text)
    text = _TOKENISH.sub(REDACTED, text)
    return _SECRET_PAIR.sub(_redact_pair, text)


def redact(text: str) -> str:
    """``text`` with every credential-shaped part replaced by ``[redacted]`` (see the module docs).

    Idempotent: a redaction can change how the rest of the text reads (a removed quote closes a
    literal elsewhere), so the rules run again until nothing changes (one pass when nothing did).
    """
    for _ in range(_MAX_PASSES):
        clean = _redact(text, 0)
        if clean == text:
            break
        text = clean
    return text
