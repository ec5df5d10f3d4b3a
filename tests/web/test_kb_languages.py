"""Articles and directories in the portal's languages (issue 14, part 2): a page in a
language without a translation shows the original marked with its language, says so and
links to it, and is never advertised as a translation; a translation older than its
original is marked outdated to readers and in the admin."""

import re

import pytest

from portal.extensions import db
from portal.services import articles
from portal.tenancy import use_workspace
from tests.factories import languages_kb


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def kb(acme):
    return languages_kb(acme)


def test_a_fallback_article_is_the_original_marked_with_its_language(client, kb):
    html = text(client.get("/fr-FR/acme/articles/connect-to-the-vpn"))
    assert '<html lang="fr-FR"' in html
    assert '<h1 id="article-title" lang="en-US" dir="ltr">Connect to the VPN</h1>' in html
    assert re.search(r'<div class="kb-body" lang="en-US" dir="ltr">\s*<p>Install the client', html)
    note = re.search(r'<p class="kb-language-note" role="note">(.*?)</p>', html, re.S).group(1)
    assert "traduit" in note  # in French: the page's language
    assert 'href="/en-US/acme/articles/connect-to-the-vpn" hreflang="en-US"' in note
    head = html.split("</head>")[0]
    # not advertised as a translation: the original is canonical, no French alternate
    original = "http://portal.test/en-US/acme/articles/connect-to-the-vpn"
    assert f'<link rel="canonical" href="{original}">' in head
    assert re.findall(r'hreflang="([^"]+)"', head) == ["en-US", "x-default"]


def test_a_translated_article_has_no_note_and_is_its_own_page(client, kb):
    html = text(client.get("/fr-FR/acme/articles/reset-your-password"))
    assert '<h1 id="article-title">Réinitialiser le mot de passe</h1>' in html
    assert "kb-language-note" not in html
    head = html.split("</head>")[0]
    assert '<link rel="canonical" href="http://portal.test/fr-FR/acme/articles/' \
           'reset-your-password">' in head
    assert sorted(re.findall(r'hreflang="([^"]+)"', head)) == ["en-US", "fr-FR", "x-default"]


def test_sitemaps_list_only_translations_that_exist(client, kb):
    french = text(client.get("/fr-FR/acme/sitemap.xml"))
    assert "/fr-FR/acme/articles/reset-your-password" in french
    assert "connect-to-the-vpn" not in french
    assert "/en-US/acme/articles/connect-to-the-vpn" in text(client.get("/en-US/acme/sitemap.xml"))


def test_a_directory_without_a_translation_says_so(client, kb):
    html = text(client.get("/fr-FR/acme/directories/billing"))
    assert '<h1 lang="en-US" dir="ltr">Billing</h1>' in html
    assert 'href="/en-US/acme/directories/billing" hreflang="en-US"' in html
    named = text(client.get("/fr-FR/acme/directories/guides"))
    assert "<h1>Guides pratiques</h1>" in named and "kb-language-note" not in named
    # the home page's cards name each directory in its real language
    home = text(client.get("/fr-FR/acme/directories"))
    assert re.search(r'href="/fr-FR/acme/directories/billing" lang="en-US" dir="ltr">Billing<',
                     home)
    assert re.search(r'href="/fr-FR/acme/directories/guides">Guides pratiques<', home)


def test_an_arabic_page_of_an_english_article(client, kb):
    html = text(client.get("/ar/acme/articles/connect-to-the-vpn"))
    assert '<h1 id="article-title" lang="en-US" dir="ltr">' in html


def test_the_language_menu_names_each_language_in_itself(client, kb):
    html = text(client.get("/fr-FR/acme/directories"))
    menu = re.search(r'<nav class="language-nav".*?</nav>', html, re.S).group(0)
    names = re.findall(r'hreflang="([^"]+)" lang="[^"]+"[^>]*>([^<]+)</a>', menu)
    assert names == [("en-US", "English"), ("de-DE", "Deutsch"), ("fr-FR", "Français"),
                     ("es-ES", "Español"), ("ja-JP", "日本語"), ("ar", "العربية")]


@pytest.mark.parametrize("locale", ["fr-FR", "ar"])
def test_search_results_in_another_language_are_marked(client, kb, locale):
    html = text(client.get(f"/{locale}/acme/search?q=VPN"))
    hit = re.search(r'<ol class="kb-results">.*?</ol>', html, re.S).group(0)
    assert re.search(r'<a href="[^"]*connect-to-the-vpn[^"]*" lang="en-US" dir="ltr">'
                     r'Connect to the VPN</a>', hit)
    assert '<p class="kb-snippet" lang="en-US" dir="ltr">' in hit


def test_search_results_in_the_pages_language_are_not(client, kb):
    html = text(client.get("/fr-FR/acme/search?q=mot+de+passe"))
    hit = re.search(r'<ol class="kb-results">.*?</ol>', html, re.S).group(0)
    assert re.search(r'<a href="[^"]*reset-your-password[^"]*">Réinitialiser le mot de passe'
                     r'</a>', hit)
    assert "lang=" not in hit


def test_a_japanese_search_marks_the_matched_words(client, acme, kb):
    with use_workspace(acme.id):
        articles.save(acme, article=kb["both"], locale="ja-JP", title="パスワードの再設定",
                      body="メールのリンクからパスワードを再設定します。", status="published",
                      directory_id=kb["both"].directory_id)
    db.session.commit()
    html = text(client.get("/ja-JP/acme/search?q=パスワード"))
    hit = re.search(r'<ol class="kb-results">.*?</ol>', html, re.S).group(0)
    assert "メールのリンクから<mark>パスワード</mark>を再設定します。" in hit
