"""The text drawn in a PDF, for tests that check what an invoice says.

reportlab writes page streams as ASCII85 over FlateDecode; undoing both gives
the content operators, whose `(…) Tj` strings are the drawn text.
"""

from __future__ import annotations

import base64
import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\s*endstream", re.S)
_TEXT = re.compile(rb"\((.*?)(?<!\\)\)\s*Tj")


def pdf_text(data: bytes) -> str:
    """Every `Tj` string of every page, in order, one per line."""
    lines: list[str] = []
    for raw in _STREAM.findall(data):
        body = _decode(raw)
        lines += [
            m.replace(rb"\(", b"(").replace(rb"\)", b")").decode("latin-1") for m in _TEXT.findall(body)
        ]
    return "\n".join(lines)


def _decode(raw: bytes) -> bytes:
    text = raw.strip()
    if text.endswith(b"~>"):
        text = base64.a85decode(re.sub(rb"\s", b"", text[:-2]))
    try:
        return zlib.decompress(text)
    except zlib.error:
        return text
