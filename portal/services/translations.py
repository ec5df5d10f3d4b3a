"""Which text of an article or directory a page in some language shows, and how fresh it
is (issue 14, part 2).

A page in a language the article has no translation for shows the workspace's default
language text (else any), marked with that text's real language; it is a fallback, never
advertised as a translation (portal.services.seo lists only translations that exist). A
translation saved before the last change of the original (the default language's text) is
outdated: readers and the admin are told so."""

from dataclasses import dataclass

from portal.models import Article, ArticleTranslation, Directory


@dataclass(frozen=True)
class Shown:
    text: ArticleTranslation
    locale: str          # the language of `text` (its `lang`)
    fallback: bool       # the page's language has no translation: another language's text
    outdated: bool       # a translation older than the original it was made from
    original: str        # the language of the original text


def shown(article: Article, locale: str, default_locale: str) -> Shown | None:
    """The text a page in `locale` shows (None for an article without any text); its
    `original` is a language of the workspace (the default's text, else the oldest)."""
    text = article.translation(locale, default_locale)
    if text is None:
        return None
    original = original_of(article, default_locale)
    return Shown(text=text, locale=text.locale, fallback=text.locale != locale,
                 outdated=is_outdated(text, original),
                 original=original.locale if original is not None else text.locale)


def original_of(article: Article, default_locale: str) -> ArticleTranslation | None:
    """The text translations are made from: the default language's, else the oldest."""
    texts = sorted(article.translations, key=lambda t: t.id or 0)
    return next((t for t in texts if t.locale == default_locale), texts[0] if texts else None)


def is_outdated(text: ArticleTranslation, original: ArticleTranslation | None) -> bool:
    return (original is not None and text.locale != original.locale
            and text.updated_at is not None and original.updated_at is not None
            and text.updated_at < original.updated_at)


def outdated_locales(article: Article, default_locale: str) -> list[str]:
    """The languages of `article` whose translation is older than the original."""
    original = original_of(article, default_locale)
    return sorted(t.locale for t in article.translations if is_outdated(t, original))


def directory_locale(directory: Directory, locale: str, default_locale: str) -> str:
    """The language a directory's name is shown in on a page in `locale`."""
    names = directory.names or {}
    if names.get(locale):
        return locale
    if names.get(default_locale):
        return default_locale
    return next(iter(names), locale)
