"""XML entity attacks: a document type declaration in a workbook package's XML.

Office Open XML forbids document type declarations (ECMA-376 Part 2, 8.1.4: a package
"shall not" hold one) and OpenDocument never needs one, so Excel, LibreOffice and every
exporter write none. A package whose XML declares one was made by hand, and the usual reason
is an entity attack: the "billion laughs" (entities of entities that expand to gigabytes) or
an external entity that makes a parser copy a local file (``SYSTEM "file:///..."``) into the
values it reads, and so into our outputs. python-calamine refuses some of these and reads
past others; the marked copy would carry them along. Such a workbook is refused before
anything reads it, with one line naming the part.

Only each part's prolog is read (what comes before its first element, where a declaration
must stand): a few kilobytes per part, however large the sheet.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path

#: the most of a part's prolog read; a prolog longer than this (comments or whitespace before
#: the first element) is itself refused: no writer pads its XML so.
MAX_PROLOG = 1 << 20
_CHUNK = 1 << 12
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_NAME_START = re.compile(r"<[A-Za-z_:\u00c0-\uffff]")


def declaring_part(path: Path) -> tuple[str, str] | None:
    """(the first XML part that declares a document type, or whose prolog runs past
    :data:`MAX_PROLOG`; which of the two) or None when every part is clean.

    Raises:
        zipfile.BadZipFile, OSError: the caller reports a damaged package.
    """
    with zipfile.ZipFile(path) as package:
        for info in package.infolist():
            if info.is_dir() or not info.filename.lower().endswith(_XML_SUFFIXES):
                continue
            found = _prolog(package, info)
            if found is not None:
                return info.filename, found
    return None


def _prolog(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """"doctype" when the part's prolog declares one, "long" when it runs past the limit."""
    with package.open(info) as stream:
        head = stream.read(_CHUNK)
        decoder = codecs.getincrementaldecoder(_encoding(head))(errors="replace")
        text = decoder.decode(head, final=len(head) < _CHUNK)
        while True:
            verdict = _scan(text)
            if verdict is not None:
                return None if verdict == "clean" else verdict
            if len(text) > MAX_PROLOG:
                return "long"
            chunk = stream.read(_CHUNK)
            if not chunk:
                return None  # no element at all: not ours to judge
            text += decoder.decode(chunk)


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"<\x00") or head.startswith(b"\x00<"):
        return "utf-16-le" if head[0] == 0x3C else "utf-16-be"
    return "utf-8-sig"


def _scan(text: str) -> str | None:
    """"doctype", "clean" (the first element starts before any declaration) or None (read
    more)."""
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        rest = text[at:]
        if len(rest) < 9:
            return None
        if rest.startswith("<?"):
            end, close = text.find("?>", at + 2), 2
        elif rest.startswith("<!--"):
            end, close = text.find("-->", at + 4), 3
        elif rest[:9].upper() == "<!DOCTYPE" or rest.startswith("<!ENTITY"):
            return "doctype"
        elif _NAME_START.match(rest):
            return "clean"
        else:  # text before the root: malformed, calamine says so in its words
            return "clean"
        if end < 0:
            return None
        at = end + close
