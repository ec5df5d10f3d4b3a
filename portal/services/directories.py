"""Knowledge-base directories: nested categories with names per language and an order
among their siblings. The rules (same workspace, never inside itself, only leaves are
deleted) live here; staff pages, the staff API, the importer and the demo call them.

`save_directory`, `delete_directory` and `directory_by_name` commit; the other functions
only read."""

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.models import Article, Directory, Workspace
from portal.services import article_content, scoped
from portal.services.article_index import reindex_after_commit
from portal.services.errors import Conflict, Invalid, NotFound

NAME_MAX = 200
DESCRIPTION_MAX = 500


def chosen(ws: Workspace, directory_id: int | None) -> Directory | None:
    """The directory an article or a directory is placed in: None for none, Invalid (on
    the `directory` field) when `ws` has no such directory."""
    if directory_id is None:
        return None
    found = scoped.by_id(Directory, ws, directory_id)
    if found is None:
        raise Invalid(_("No such directory."), field="directory")
    return found


def get_directory(ws: Workspace, directory_id) -> Directory:
    """A directory of `ws` by id; NotFound otherwise."""
    found = scoped.by_id(Directory, ws, directory_id)
    if found is None:
        raise NotFound(_("No such directory."))
    return found


def directory_by_name(ws: Workspace, name: str, locale: str) -> Directory:
    """The top-level directory called `name`, made (and committed) if missing: for
    imports and the demo."""
    slug = article_content.slugify(name, "directory")
    found = db.session.scalar(select(Directory).where(
        Directory.workspace_id == ws.id, Directory.slug == slug))
    if found is None:
        found = Directory(workspace_id=ws.id, slug=slug, names={locale: name.strip()})
        db.session.add(found)
        db.session.commit()
    return found


def directory_ids_below(ws: Workspace, directory_id: int) -> set[int]:
    """`directory_id` and every directory nested under it."""
    children: dict[int | None, list[int]] = {}
    for child_id, parent_id in db.session.execute(select(Directory.id, Directory.parent_id)
                                                  .where(Directory.workspace_id == ws.id)):
        children.setdefault(parent_id, []).append(child_id)
    found, todo = set(), [directory_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def _per_locale(values, limit: int, field: str, too_long: str) -> dict:
    if not isinstance(values, dict):
        raise Invalid(_("Names are given per language."), field=field)
    kept = {code: text.strip() for code, text in values.items()
            if code in SUPPORTED and isinstance(text, str) and text.strip()}
    if any(len(text) > limit or "\x00" in text for text in kept.values()):
        raise Invalid(too_long, field=field)
    return kept


def _parent(ws: Workspace, directory_obj: Directory | None, parent_id) -> Directory | None:
    try:
        parent = chosen(ws, parent_id) if parent_id else None
    except Invalid:
        raise Invalid(_("No such directory."), field="parent") from None
    if parent is not None and directory_obj is not None and directory_obj.id is not None \
            and parent.id in directory_ids_below(ws, directory_obj.id):
        raise Invalid(_("A directory cannot be placed inside itself or one of its "
                        "subdirectories."), field="parent")
    return parent


def save_directory(ws: Workspace, *, directory_obj: Directory | None = None, names: dict,
                   descriptions: dict | None = None, parent_id: int | None = None,
                   position: int = 0, slug: str | None = None) -> Directory:
    """Create or update a directory: names per locale, a parent in the same workspace that
    is not the directory itself nor one nested under it, an order among its siblings."""
    if not isinstance(descriptions or {}, dict):
        raise Invalid(_("Names are given per language."), field="names")
    names = _per_locale(names, NAME_MAX, "names", _("The name is too long."))
    if not names:
        raise Invalid(_("Enter a name."), field="names")
    descriptions = _per_locale(descriptions or {}, DESCRIPTION_MAX, "descriptions",
                               _("The description is too long."))
    if not isinstance(position, int) or isinstance(position, bool) \
            or not -1_000_000 <= position <= 1_000_000:
        raise Invalid(_("The position must be a whole number."), field="position")
    parent = _parent(ws, directory_obj, parent_id)
    wanted = article_content.slugify(slug or names.get(ws.default_locale)
                                     or next(iter(names.values())), "directory")
    if directory_obj is None:
        directory_obj = Directory(workspace_id=ws.id, slug="")
        db.session.add(directory_obj)
    if slug or not directory_obj.slug:
        directory_obj.slug = scoped.free_slug(Directory, ws, wanted, directory_obj.id)
    directory_obj.names, directory_obj.descriptions = names, descriptions
    directory_obj.parent_id = parent.id if parent is not None else None
    directory_obj.position = position
    reindex_after_commit(ws.id)
    db.session.commit()
    return directory_obj


def delete_directory(ws: Workspace, directory_obj: Directory) -> None:
    """Delete a directory without subdirectories; its articles move to no directory."""
    if directory_obj.workspace_id != ws.id:
        raise NotFound(_("No such directory."))
    has_children = db.session.scalar(select(Directory.id).where(
        Directory.workspace_id == ws.id, Directory.parent_id == directory_obj.id).limit(1))
    if has_children is not None:
        raise Conflict(_("Move or delete its subdirectories first."))
    db.session.execute(update(Article).where(
        Article.workspace_id == ws.id, Article.directory_id == directory_obj.id)
        .values(directory_id=None))
    db.session.delete(directory_obj)
    reindex_after_commit(ws.id)
    db.session.commit()


def directories(ws: Workspace) -> list[tuple[Directory, int]]:
    """Every directory of `ws` as (directory, depth), parents before their children, each
    level in order of position then name."""
    rows = list(db.session.scalars(select(Directory).where(Directory.workspace_id == ws.id)))
    children: dict[int | None, list[Directory]] = {}
    known = {d.id for d in rows}
    for d in rows:
        children.setdefault(d.parent_id if d.parent_id in known else None, []).append(d)
    out: list[tuple[Directory, int]] = []

    def walk(parent_id, depth):
        for d in sorted(children.get(parent_id, []),
                        key=lambda d: (d.position, d.name(ws.default_locale).lower())):
            out.append((d, depth))
            walk(d.id, depth + 1)

    walk(None, 0)
    return out


def possible_parents(ws: Workspace, directory_obj: Directory | None) -> list[tuple[Directory, int]]:
    """The tree without `directory_obj` and what is nested under it: where it may move."""
    below = directory_ids_below(ws, directory_obj.id) if directory_obj is not None else set()
    return [(d, depth) for d, depth in directories(ws) if d.id not in below]


def article_counts(ws: Workspace) -> dict[int | None, int]:
    """How many articles (drafts included) each directory holds directly, for staff."""
    return dict(db.session.execute(
        select(Article.directory_id, func.count()).where(Article.workspace_id == ws.id)
        .group_by(Article.directory_id)).all())
