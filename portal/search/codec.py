"""Stored search indexes in a data-only format: an `.npz` archive of plain arrays (numbers
and byte strings, loaded with `allow_pickle=False`) and one JSON document for settings.

Why not pickle: anyone who can write the kb_search_index table could then run code in
every web process that loads the index. Here loading only ever parses arrays and JSON and
rebuilds the objects from them. Anything else in the column (an older release's pickle or
format, a planted one, a broken archive) is `Stale`: never loaded, the index is rebuilt.

The same archive unpacked is a folder of `.npy` files (`unpack`), which `open_folder`
memory-maps: the worker processes of one machine then share one copy of an index's
arrays through the page cache instead of each holding its own (portal.search.store)."""

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

from portal.search.engine import FORMAT, Index

ZIP_MAGIC = b"PK\x03\x04"
META = "meta"  # the JSON document, stored as an array of its UTF-8 bytes
MAP_MIN_BYTES = 16 * 1024  # smaller arrays are read into memory (a mapping costs a page)


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


def _meta(raw: np.ndarray) -> dict:
    meta = json.loads(raw.tobytes())
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise Stale(f"a search index of another format than {FORMAT}")
    return meta


def _archive(data: bytes) -> zipfile.ZipFile:
    if not data.startswith(ZIP_MAGIC):  # a pickle never reaches any loader
        raise Stale("not a data-only search index")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Stale(f"unreadable search index: {exc}") from exc


def loads(data: bytes) -> Index:
    """The index in this process's memory."""
    _archive(data).close()
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            meta = _meta(archive[META])
            arrays = {name: archive[name] for name in archive.files if name != META}
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
        if isinstance(exc, Stale):
            raise
        raise Stale(f"unreadable search index: {exc}") from exc
    return Index.restore(meta, arrays)


def unpack(data: bytes, folder: Path) -> None:
    """Write the archive's arrays as `.npy` files into `folder`, atomically: the folder
    appears complete or not at all (another process writing it too is no harm)."""
    with _archive(data) as archive:
        names = archive.namelist()
        if not names or any(not n.endswith(".npy") or "/" in n or "\\" in n
                            or n.startswith(".") for n in names):
            raise Stale("a search index archive with unexpected members")
        with archive.open(f"{META}.npy") as raw:
            _meta(np.load(raw, allow_pickle=False))
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.with_name(f".tmp-{folder.name}-{os.getpid()}-{id(data)}")
        try:
            tmp.mkdir()
            archive.extractall(tmp)
            try:
                tmp.rename(folder)
            except OSError:
                if not (folder / f"{META}.npy").is_file():
                    raise  # not another process's complete copy: a real failure
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def open_folder(folder: Path) -> Index:
    """The index of an unpacked folder, its large arrays memory-mapped (read-only)."""
    try:
        meta = _meta(np.load(folder / f"{META}.npy", allow_pickle=False))
        arrays = {}
        for path in folder.glob("*.npy"):
            if path.stem == META:
                continue
            big = path.stat().st_size >= MAP_MIN_BYTES
            arrays[path.stem] = np.load(path, mmap_mode="r" if big else None,
                                        allow_pickle=False)
    except (ValueError, OSError) as exc:
        if isinstance(exc, Stale):
            raise
        raise Stale(f"unreadable search index folder: {exc}") from exc
    return Index.restore(meta, arrays)
