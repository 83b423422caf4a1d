"""Salesforce record ids: 15 characters, case-sensitive, or 18 with a checksum that survives lost case.

Salesforce shows a record's id in two forms. The 15-character form tells
`a` from `A`; a spreadsheet or a case-insensitive tool can merge two ids
that differ only in case. The 18-character form appends three characters,
one per five-character chunk, each encoding which letters of its chunk are
upper case, so the id stays unique case-insensitively and its case can be
restored. Accounts store the 18-character form, so that a 15-character
export and an 18-character one name the same account.
"""

from __future__ import annotations

import re

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"  # the 32 values of a chunk's 5 bits
_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
ID18_RE = r"^[A-Za-z0-9]{15}[A-Z0-5]{3}$"


# Each character as the bit it contributes: 1 for an upper-case letter, else 0.
_BITS = str.maketrans({c: "1" if "A" <= c <= "Z" else "0"
                       for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"})


def suffix(id15: str) -> str:
    """The three checksum characters of a 15-character id: bit i of chunk k is set when
    character i of the chunk is an upper-case letter."""
    bits = id15.translate(_BITS)[::-1]  # the last character's bit first: bit i of a chunk is its i-th character
    return ALPHABET[int(bits[10:15], 2)] + ALPHABET[int(bits[5:10], 2)] + ALPHABET[int(bits[0:5], 2)]


def _restored(id15: str, checksum: str) -> str | None:
    """The 15 characters with the case the checksum records, or None when it cannot be theirs
    (a bit set for a digit)."""
    chars = []
    for k, code in enumerate(checksum):
        bits = ALPHABET.index(code)
        for i, c in enumerate(id15[5 * k:5 * k + 5]):
            upper = bool(bits >> i & 1)
            if upper and not c.isalpha():
                return None
            chars.append(c.upper() if upper else c.lower())
    return "".join(chars)


def normalised(raw: str) -> tuple[str | None, str | None]:
    """(the 18-character id, None), or (None, why `raw` is not a Salesforce id).

    A 15-character id gets its checksum. An 18-character one is checked
    against its checksum; when its letters are all in one case (a tool
    upper- or lower-cased it) the case is restored from the checksum.
    """
    value = raw.strip()
    if not _ID.fullmatch(value):
        return None, (f"{value!r} is not a Salesforce id: 15 or 18 letters and digits"
                      if value else "the Salesforce id is empty")
    if len(value) == 15:
        return value + suffix(value), None
    head, checksum = value[:15], value[15:].upper()
    if suffix(head) == checksum:
        return head + checksum, None
    if any(c not in ALPHABET for c in checksum):
        return None, f"{value!r} is not a Salesforce id: its last three characters are not a checksum (A-Z, 0-5)"
    restored = _restored(head, checksum)
    if restored is not None and head in (restored, restored.lower(), restored.upper()):
        return restored + checksum, None
    return None, (f"{value!r} is not a Salesforce id: its last three characters do not match the first fifteen "
                  f"(for these they would be {suffix(head)}); a character was mistyped or changed case")


def is_canonical(value: str) -> bool:
    """Is `value` an 18-character id whose checksum matches its case exactly?"""
    return re.match(ID18_RE, value) is not None and suffix(value[:15]) == value[15:]
