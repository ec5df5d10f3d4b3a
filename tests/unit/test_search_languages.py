"""Search in the portal's other languages (issue 14, part 2): French and Spanish stems and
stop words, Arabic without its vowel marks, Japanese (no spaces) in character pairs."""

import pytest

from portal.search.analysis import Analyzer, language
from portal.search.engine import Doc, build_index
from portal.search.snippets import snippet


def ids(hits):
    return [doc_id for doc_id, _score in hits]


@pytest.mark.parametrize("locale, name", [
    ("fr-FR", "french"), ("es-ES", "spanish"), ("ja-JP", "japanese"), ("ar", "arabic"),
    ("de-DE", "german"), ("en-US", "english"), ("xx", "english")])
def test_each_locale_has_its_language(locale, name):
    assert language(locale) == name


def test_french_and_spanish_stems_and_function_words():
    french, spanish = Analyzer("fr-FR"), Analyzer("es-ES")
    assert french("Comment puis-je télécharger mes factures ?") == french("téléchargée facture")
    assert spanish("¿Cómo puedo descargar las facturas?") == spanish("descargar factura")
    assert french("le la les de des et") == [] and spanish("el la los de y") == []


def test_arabic_reads_alike_with_or_without_vowel_marks():
    arabic = Analyzer("ar")
    assert arabic("كَلِمَة المُرُور") == arabic("كلمة المرور")
    assert arabic("في من على") == []


def test_japanese_is_read_in_character_pairs():
    japanese = Analyzer("ja-JP")
    assert japanese("請求書") == ["請求", "求書"]
    assert "支払" in japanese("支払い方法を変更する")
    assert list(japanese.spans("API 請求書")) == [("api", 0, 3), ("請求", 4, 6), ("求書", 5, 7)]


@pytest.mark.parametrize("locale, docs, query, expected", [
    ("fr-FR", [Doc(1, "Réinitialiser le mot de passe", "Utilisez le lien envoyé par e-mail."),
               Doc(2, "Factures", "Téléchargez toutes vos factures depuis la page Facturation.")],
     "télécharger une facture", [2]),
    ("es-ES", [Doc(1, "Restablecer la contraseña", "Use el enlace del correo."),
               Doc(2, "Facturas", "Descargue todas sus facturas desde la página de pagos.")],
     "contraseñas", [1]),
    ("ja-JP", [Doc(1, "パスワードの再設定", "メールのリンクからパスワードを再設定します。"),
               Doc(2, "請求書", "請求書は支払いページからダウンロードできます。")],
     "請求書をダウンロード", [2]),
    ("ar", [Doc(1, "إعادة تعيين كلمة المرور", "استخدم الرابط المرسل إلى بريدك."),
            Doc(2, "الفواتير", "نزّل جميع الفواتير من صفحة الدفع.")],
     "كَلِمَة المرور", [1]),
])
def test_an_index_in_each_language_finds_its_article(locale, docs, query, expected):
    index = build_index(docs, locale)
    assert ids(index.search(query, "keyword"))[:1] == expected


def test_a_japanese_snippet_marks_the_matched_characters():
    analyzer = Analyzer("ja-JP")
    text = "請求書は支払いページから<ダウンロード>できます。API の請求書も。"
    html = str(snippet(text, set(analyzer("請求書 api")), analyzer))
    # the pairs 請求 and 求書 overlap: one mark; the text is escaped; Latin words too
    assert html == ("<mark>請求書</mark>は支払いページから&lt;ダウンロード&gt;できます。"
                    "<mark>API</mark> の<mark>請求書</mark>も。")
    # a pair that does not occur marks nothing
    assert "<mark>" not in str(snippet(text, set(analyzer("返金")), analyzer))
