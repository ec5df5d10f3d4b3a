"""Moving to object storage: every file the database refers to (attachments, uploaded
article originals: portal.storage_cli lists them) is copied from the local directory into
the configured storage. Files already there are skipped, so the copy can be run again
(before and after the switch)."""

from collections import Counter
from collections.abc import Callable, Iterable

from portal.storage import FileMissing, Storage
from portal.storage.local import LocalStorage


def copy_files(source: LocalStorage, target: Storage, files: Iterable[tuple[str, str]],
               *, delete_local: bool = False,
               progress: Callable[[Iterable], Iterable] = lambda items: items) -> Counter:
    """Counts of `copied`, `present` (already in the target) and `missing` (in neither:
    the row refers to a file that was lost before)."""
    counts: Counter = Counter()
    for key, content_type in progress(list(files)):
        if target.exists(key):
            counts["present"] += 1
        else:
            try:
                with source.open(key) as data:
                    target.put(key, data, content_type)
            except FileMissing:
                counts["missing"] += 1
                continue
            if target.size(key) != source.size(key):
                raise RuntimeError(f"{key}: the copy has another size than the original")
            counts["copied"] += 1
        if delete_local and source.exists(key):
            source.delete(key)
    return counts
