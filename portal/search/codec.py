"""Stored search indexes in a data-only format: an `.npz` archive of plain numeric arrays
(loaded with `allow_pickle=False`) and one JSON document for vocabularies and settings.

Why not pickle: anyone who can write the kb_search_index table could then run code in
every web process that loads the index. Here loading only ever parses arrays and JSON and
rebuilds the objects from them (sklearn's vectorizers included, from their vocabulary and
idf arrays). Anything else in the column (an older release's pickle, a planted one, a
broken archive) is `Stale`: never loaded, the index is rebuilt."""

import io
import json
import zipfile

import numpy as np

from portal.search.engine import FORMAT, Index

ZIP_MAGIC = b"PK\x03\x04"
META = "meta"  # the JSON document, stored as an array of its UTF-8 bytes


class Stale(ValueError):
    """Stored data this release does not load (another format, or not an index at all)."""


def dumps(index: Index) -> bytes:
    meta, arrays = index.state()
    if META in arrays:
        raise ValueError(f"{META!r} is the metadata's name")
    buffer = io.BytesIO()
    np.savez(buffer, **{META: np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)},
             **{name: np.asarray(value) for name, value in arrays.items()})
    return buffer.getvalue()


def loads(data: bytes) -> Index:
    if not data.startswith(ZIP_MAGIC):  # a pickle never reaches any loader
        raise Stale("not a data-only search index")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            meta = json.loads(archive[META].tobytes())
            arrays = {name: archive[name] for name in archive.files if name != META}
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
        raise Stale(f"unreadable search index: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise Stale(f"a search index of another format than {FORMAT}")
    return Index.restore(meta, arrays)
