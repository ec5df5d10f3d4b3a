"""Names of uploaded files as people will see them: the last path part, in NFC, without
control and format characters. Format characters include the bidirectional controls
(U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) that make "invoice\u202efdp.txt"
display as "invoicetxt.pdf"."""

import unicodedata
from pathlib import PurePosixPath

MAX_LENGTH = 200
# Cc controls, Cf format (bidi controls, zero-width marks), Cs lone surrogates, Zl/Zp breaks
DROPPED = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def clean(name: str, default: str = "file") -> str:
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) not in DROPPED)
    base = PurePosixPath(text.replace("\\", "/")).name.strip()
    return base[:MAX_LENGTH] or default
