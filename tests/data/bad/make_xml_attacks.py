"""Build workbooks whose XML parts carry entity attacks (issue 13): in each part of a small
export in turn, a document type declaring

* ``laughs``: the "billion laughs", ten entities each ten times the one before (a billion
  copies of "lol", some 3 GB, if a parser expands them), used in the part's first text or
  attribute value;
* ``external``: an external entity naming a local file (``SYSTEM "file:///..."``), used the
  same way, so that a parser that fetches it would copy the file's text into the output.

``python tests/data/bad/make_xml_attacks.py FOLDER SECRET_FILE`` writes them all; the tests
call :func:`build` into a temporary folder.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_bad import LINES, _book  # noqa: E402

KINDS = ("laughs", "external")


def _declaration(kind: str, root: str, secret: Path) -> tuple[str, str]:
    """(the document type declaration, the entity reference to use)."""
    if kind == "laughs":
        entities = ['<!ENTITY lol0 "lol">'] + [
            f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
        return f"<!DOCTYPE {root} [{''.join(entities)}]>", "&lol9;"
    return (f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{secret.resolve().as_uri()}">]>',
            "&xxe;")


def attack(xml: str, kind: str, secret: Path) -> str:
    """The part with the declaration after its XML declaration and the reference where a
    value is read: a sheet's name, else the part's last text (a cell's value in a sheet),
    else its first attribute value after the root element."""
    root = re.search(r"<([A-Za-z_][\w.:-]*)", re.sub(r"<\?.*?\?>", "", xml, count=1))
    declaration, reference = _declaration(kind, root.group(1) if root else "x", secret)
    head = re.match(r"\s*<\?xml[^>]*\?>", xml)
    at = head.end() if head else 0
    xml = xml[:at] + declaration + xml[at:]
    body = at + len(declaration)
    places = [m.start(1) for m in re.finditer(r'<sheet\b[^>]*?\bname="()', xml)] or \
        [m.start(1) for m in re.finditer(r">()[^<\s][^<]*<", xml[body:])][-1:] and \
        [body + m.start(1) for m in re.finditer(r">()[^<\s][^<]*<", xml[body:])][-1:] or \
        [body + m.start(1) for m in re.finditer(r'="()', xml[body:])][1:2]
    for place in places[:1]:
        xml = xml[:place] + reference + xml[place:]
    return xml


def build(folder: Path, secret: Path) -> list[Path]:
    """One workbook per XML part and kind, named after both."""
    folder.mkdir(parents=True, exist_ok=True)
    clean = _book(folder / "clean.xlsx", LINES)
    with zipfile.ZipFile(clean) as package:
        items = [(info, package.read(info.filename)) for info in package.infolist()]
    made = []
    for part in [info.filename for info, _ in items if info.filename.endswith((".xml", ".rels"))]:
        for kind in KINDS:
            name = re.sub(r"[^\w]+", "_", part).strip("_")
            path = folder / f"{kind}-{name}.xlsx"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
                for info, data in items:
                    if info.filename == part:
                        data = attack(data.decode("utf-8"), kind, secret).encode("utf-8")
                    out.writestr(info, data)
            made.append(path)
    clean.unlink()
    return made


if __name__ == "__main__":
    for made in build(Path(sys.argv[1]), Path(sys.argv[2])):
        print(made)
