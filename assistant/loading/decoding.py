"""Bytes of a text format to str: UTF-8 first, then the encoding the bytes show.

Briefings arrive saved by Windows tools in Windows-1252, or in UTF-16 with a byte-order mark;
refusing them as "not UTF-8" made maintainers re-save files by hand.  charset-normalizer
guesses the rest; a guess it is not sure of is an error naming the best candidate.
"""

from __future__ import annotations

import codecs

from .registry import Unreadable

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Most of the text must be plain words for a guess to count (charset-normalizer's "chaos").
MAX_CHAOS = 0.2


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode text, trying a BOM, then the encoding the file declares, then UTF-8, then a guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    if b"\x00" in data[:4096]:
        raise Unreadable("binary content in a text file")
    for candidate in (declared, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > MAX_CHAOS:
        guess = f" (closest guess {best.encoding}, not reliable)" if best else ""
        raise Unreadable(f"text encoding not recognised: not UTF-8{guess}; save it as UTF-8")
    return str(best)
