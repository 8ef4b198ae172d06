"""JSON report: exactly ``ScrubResult.to_dict()``, as ``json.dumps(indent=2,
ensure_ascii=False)`` writes it.

``json.dumps`` with an indent runs in pure Python (0.4 s for 18,000 findings); without one it
runs in C. The findings are lists of flat records (text, numbers, None), so each such list is
encoded by the C encoder in one call, with a separator that carries the indentation, and only
its braces are put on their own lines: the text is the same, character for character.
"""

from __future__ import annotations

import json
from itertools import chain
from json.encoder import encode_basestring

from scrubber.result import ScrubResult

_INDENT = "  "
_SCALARS = (str, int, float, bool, type(None))


def render_json(result: ScrubResult) -> str:
    return dumps(result.to_dict()) + "\n"  # as json.dumps(..., indent=2, ensure_ascii=False)


def dumps(value: object) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``."""
    out: list[str] = []
    _encode(value, 0, out)
    return "".join(out)


def _encode(value: object, level: int, out: list[str]) -> None:
    """Append ``value``'s text, nested ``level`` deep, to ``out`` (joined once, at the end:
    the findings are megabytes)."""
    inner = _INDENT * (level + 1)
    if isinstance(value, list) and value and all(
            issubclass(kind, _SCALARS) for kind in set(map(type, value))):
        # the C encoder, each item after a separator that carries the indent
        body = json.dumps(value, ensure_ascii=False, separators=(",\n" + inner, ": "))
        out.append(f"[\n{inner}{body[1:-1]}\n{_INDENT * level}]")
    elif isinstance(value, list) and _flat(value):
        out.append(_records(value, level))
    elif isinstance(value, dict) and value and all(isinstance(key, str) for key in value):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            out.append(f"{',' if index else ''}\n{inner}{encode_basestring(key)}: ")
            _encode(item, level + 1, out)
        out.append(f"\n{_INDENT * level}}}")
    elif isinstance(value, list) and value:
        out.append("[")
        for index, item in enumerate(value):
            out.append(f"{',' if index else ''}\n{inner}")
            _encode(item, level + 1, out)
        out.append(f"\n{_INDENT * level}]")
    else:
        # a scalar, an empty container or keys that are not text: json's own encoder (its
        # only line breaks are its indentation, so they take this level's indent as they are)
        out.append(json.dumps(value, indent=2, ensure_ascii=False)
                   .replace("\n", "\n" + _INDENT * level))


def _flat(records: list[object]) -> bool:
    """Whether ``records`` are non-empty dicts of text keys and scalar values (looked at type by
    type, not item by item: the findings are many)."""
    return (bool(records) and set(map(type, records)) == {dict} and all(records)
            and all(issubclass(kind, str) for kind in set(map(type, chain.from_iterable(records))))
            and all(issubclass(kind, _SCALARS)
                    for kind in set(map(type, chain.from_iterable(map(dict.values, records))))))


def _records(records: list[dict[str, object]], level: int) -> str:
    """A list of flat, non-empty records. The C encoder writes every item after the
    separator ``",\\n" + keys``; a line break is never anything but that separator (strings
    escape theirs), so ``}`` separator ``{`` is only ever between two records, whose braces
    then get lines of their own."""
    inner, keys = _INDENT * (level + 1), _INDENT * (level + 2)
    body = json.dumps(records, ensure_ascii=False, separators=(",\n" + keys, ": "))
    between = "},\n" + keys + "{"
    body = body[2:-2].replace(between, f"\n{inner}}},\n{inner}{{\n{keys}")
    return f"[\n{inner}{{\n{keys}{body}\n{inner}}}\n{_INDENT * level}]"
