"""Moving to object storage: every file the database refers to (attachments, uploaded
article originals) is copied from the local directory into the configured storage. Files
already there are skipped, so the copy can be run again (before and after the switch)."""

from collections import Counter
from collections.abc import Callable, Iterable

from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Attachment
from portal.services import article_files
from portal.storage import FileMissing, Storage
from portal.storage.local import LocalStorage


def stored_files() -> list[tuple[str, str]]:
    """(key, content type) of every stored file of every workspace."""
    found = [(f"{ws_id}/{key}", kind) for ws_id, key, kind in db.session.execute(
        select(Attachment.workspace_id, Attachment.storage_key, Attachment.content_type)
        .order_by(Attachment.id).execution_options(all_workspaces=True))]
    found += [(article_files.storage_key(ws_id, key), kind or "application/octet-stream")
              for ws_id, key, kind in db.session.execute(
                  select(Article.workspace_id, Article.file_key, Article.file_type)
                  .where(Article.file_key.is_not(None))
                  .order_by(Article.id).execution_options(all_workspaces=True))]
    return found


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
