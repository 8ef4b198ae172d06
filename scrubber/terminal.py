"""Text for the terminal: what came from a file or its name is shown, never obeyed.

A cell or a file name can hold an ESC sequence that recolours or clears the terminal, a
newline that breaks a one-line error in two (and forges a second line), a carriage return
that overwrites the line, or bidirectional controls that reorder it. :func:`visible` writes
each such character as its Python escape (``\\x1b``, ``\\n``, ``\\u202e``), so the line is
one line and says what the file holds. Nothing here imports more than ``re``: the error path
of every command uses it.
"""

from __future__ import annotations

import re

#: C0 controls (tab and newline too: a message is one line), DEL, C1 controls, and the
#: format characters that reorder or hide text (bidirectional overrides and isolates,
#: zero-width marks), line and paragraph separators, and lone surrogates.
_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069"
                     "\ufeff\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: object) -> str:
    """``text`` with every control or hidden formatting character written as its escape."""
    plain = str(text)
    if plain.isascii() and plain.isprintable():
        return plain
    return _UNSEEN.sub(_escape, plain)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
