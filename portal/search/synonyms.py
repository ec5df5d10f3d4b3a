"""Search synonyms (issue 14, part 5): groups of words or phrases that mean the same to a
workspace's readers in one locale ("bill, invoice, receipt"), edited by its admins.

Applied at query time, so an edit needs no new index: a query that contains a term of a
group (compared as the index compares words: analysed and stemmed, a phrase as consecutive
words) is searched with the group's other terms added. Both sides of the ranking read the
expanded text: the keyword side as more OR terms, the semantic side as the text it embeds.

Each process keeps a workspace's groups per locale, keyed by `Workspace.content_version`,
which a synonym write bumps in its own transaction (portal.models.content_version): the
next search on every instance reads the new groups, with no query while nothing changed."""

import re
import threading
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import SearchSynonym, Workspace
from portal.search.analysis import Analyzer
from portal.search.build import enabled_locales
from portal.search.engine import QUERY_MAX
from portal.services.errors import Invalid, NotFound
from portal.services.scoped import by_id
from portal.tenancy import use_workspace

TERMS_MAX = 20  # terms in one group
TERM_MAX = 60  # characters of one term
GROUPS_MAX = 500  # groups per workspace and locale
EXTRA_MAX = 12  # terms one query may gain
KEPT_MAX = 512  # (workspace, version, locale) entries a process keeps
_SEPARATORS = re.compile(r"[,;=\n]")


@dataclass(frozen=True)
class Term:
    text: str
    stems: tuple[str, ...]


# -- editing -------------------------------------------------------------------------

def parse_terms(raw, locale: str) -> list[str]:
    """The distinct terms of `raw` ("bill, invoice" or "bill = invoice"), lowercased with
    spaces collapsed; Invalid unless there are 2 to TERMS_MAX terms that search can match."""
    if not isinstance(raw, str) or "\x00" in raw or len(raw) > TERMS_MAX * (TERM_MAX + 2):
        raise Invalid(_("Enter at most %(count)d terms.", count=TERMS_MAX), field="terms")
    reader = analyzer(locale)
    terms: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for part in _SEPARATORS.split(raw):
        term = " ".join(part.split()).lower()
        if not term:
            continue
        if len(term) > TERM_MAX:
            raise Invalid(_("A term may have at most %(count)d characters.", count=TERM_MAX),
                          field="terms")
        stems = tuple(reader(term))
        if not stems:
            raise Invalid(_("“%(term)s” has no word that search can match.", term=term),
                          field="terms")
        if stems not in seen:
            seen.add(stems)
            terms.append(term)
    if len(terms) < 2:
        raise Invalid(_("Enter at least two different terms, separated by commas."),
                      field="terms")
    if len(terms) > TERMS_MAX:
        raise Invalid(_("Enter at most %(count)d terms.", count=TERMS_MAX), field="terms")
    return terms


def _check_locale(ws: Workspace, locale) -> str:
    if locale not in enabled_locales(ws):
        raise Invalid(_("Choose one of the workspace's languages."), field="locale")
    return locale


def listed(ws: Workspace) -> list[SearchSynonym]:
    """Every group of `ws`, by locale, oldest first."""
    with use_workspace(ws.id):
        return list(db.session.scalars(select(SearchSynonym).where(
            SearchSynonym.workspace_id == ws.id).order_by(SearchSynonym.locale,
                                                          SearchSynonym.id)))


def _same_group(ws: Workspace, locale: str, terms: list[str], own_id: int | None) -> bool:
    wanted = set(terms)
    return any(set(row.terms.split(", ")) == wanted and row.id != own_id
               for row in listed(ws) if row.locale == locale)


def add(ws: Workspace, locale, raw) -> SearchSynonym:
    """A new group in `locale`; committed."""
    locale = _check_locale(ws, locale)
    terms = parse_terms(raw, locale)
    with use_workspace(ws.id):
        if _same_group(ws, locale, terms, None):
            raise Invalid(_("This group exists already."), field="terms")
        count = sum(1 for row in listed(ws) if row.locale == locale)
        if count >= GROUPS_MAX:
            raise Invalid(_("A language may have at most %(count)d synonym groups.",
                            count=GROUPS_MAX), field="terms")
        row = SearchSynonym(workspace_id=ws.id, locale=locale, terms=", ".join(terms))
        db.session.add(row)
        db.session.commit()
        return row


def update(ws: Workspace, group_id, locale, raw) -> SearchSynonym:
    """Change a group's locale and terms; committed. NotFound unless it is `ws`'s."""
    with use_workspace(ws.id):
        row = by_id(SearchSynonym, ws, group_id)
        if row is None:
            raise NotFound(_("No such synonym group."))
        locale = _check_locale(ws, locale)
        terms = parse_terms(raw, locale)
        if _same_group(ws, locale, terms, row.id):
            raise Invalid(_("This group exists already."), field="terms")
        row.locale, row.terms = locale, ", ".join(terms)
        db.session.commit()
        return row


def remove(ws: Workspace, group_id) -> str:
    """Delete a group; committed. Returns its terms. NotFound unless it is `ws`'s."""
    with use_workspace(ws.id):
        row = by_id(SearchSynonym, ws, group_id)
        if row is None:
            raise NotFound(_("No such synonym group."))
        terms = row.terms
        db.session.delete(row)
        db.session.commit()
        return terms


# -- applying ----------------------------------------------------------------------------

_analyzers: dict[str, Analyzer] = {}
_kept: dict[tuple, tuple[tuple[Term, ...], ...]] = {}
_lock = threading.Lock()


def analyzer(locale: str) -> Analyzer:
    found = _analyzers.get(locale)
    if found is None:
        found = _analyzers[locale] = Analyzer(locale)
    return found


def groups(ws: Workspace, locale: str) -> tuple[tuple[Term, ...], ...]:
    """`ws`'s groups in `locale`, analysed; read once per process and content version."""
    key = (ws.id, ws.created_at, ws.content_version or 0, locale)
    found = _kept.get(key)
    if found is None:
        reader = analyzer(locale)
        with use_workspace(ws.id):
            rows = db.session.scalars(select(SearchSynonym.terms).where(
                SearchSynonym.workspace_id == ws.id, SearchSynonym.locale == locale)
                .order_by(SearchSynonym.id)).all()
        found = tuple(tuple(Term(t, tuple(reader(t))) for t in row.split(", "))
                      for row in rows)
        with _lock:
            if len(_kept) >= KEPT_MAX:  # old versions: start again rather than track age
                _kept.clear()
            _kept[key] = found
    return found


def _contains(stems: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(tuple(stems[i:i + n]) == phrase for i in range(len(stems) - n + 1))


def _named(ws: Workspace, locales, text: str, prefix: bool):
    """(group, the words of `text`, their stems under the group's language) for each group
    of `locales` (the page's language and the searched index's) that `text` names."""
    for locale in dict.fromkeys((locales,) if isinstance(locales, str) else locales):
        found = groups(ws, locale)
        if not found:
            continue
        reader = analyzer(locale)
        words = reader.words(text)
        if prefix and words and not text[-1:].isspace():
            words = words[:-1]
        stems = [reader.stem(w) for w in words]
        for group in found:
            if any(_contains(stems, term.stems) for term in group):
                yield group, words, stems


def extra_terms(ws: Workspace, locales, text: str, prefix: bool = False) -> list[str]:
    """The terms of every group that `text` names, which `text` does not hold already.
    `prefix`: the last word may be unfinished (search-as-you-type) and names nothing."""
    extra: list[str] = []
    for group, _words, stems in _named(ws, locales, text, prefix):
        extra.extend(term.text for term in group if not _contains(stems, term.stems)
                     and term.text not in extra)
    return extra[:EXTRA_MAX]


def alternatives(ws: Workspace, locales, text: str) -> dict[str, tuple[str, ...]]:
    """{a word of `text` as the analyser reads it: the other terms of its groups}: for the
    relevance floor (portal.search.floor), a word and its synonyms are one word of the
    query, so that "bill" answered by an article on invoices is a whole answer, not a third
    of one."""
    alts: dict[str, list[str]] = {}
    for group, words, stems in _named(ws, locales, text, False):
        for term in group:
            n = len(term.stems)
            for i in range(len(stems) - n + 1):
                if n and tuple(stems[i:i + n]) == term.stems:
                    others = [t.text for t in group if t is not term]
                    for word in words[i:i + n]:
                        alts.setdefault(word, []).extend(others)
    return {word: tuple(dict.fromkeys(texts)) for word, texts in alts.items()}


def expand(ws: Workspace, locales, text: str, prefix: bool = False) -> str:
    """`text` with the other terms of the groups it names; in prefix mode they go first,
    so that the unfinished word stays last."""
    extra = extra_terms(ws, locales, text, prefix)
    if not extra:
        return text
    expanded = f"{' '.join(extra)} {text}" if prefix else f"{text} {' '.join(extra)}"
    return expanded if len(expanded) <= QUERY_MAX else text


def covered(ws: Workspace, locale: str, left: str, right: str) -> bool:
    """Whether one group already holds a term of `left` and a term of `right`."""
    reader = analyzer(locale)
    a, b = reader(left), reader(right)
    return any(any(_contains(a, t.stems) for t in group)
               and any(_contains(b, t.stems) for t in group)
               for group in groups(ws, locale))
