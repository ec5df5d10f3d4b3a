"""Extractive answers (portal.search.extract): sentences split and ranked with the project's
analyser, 2 to 4 sentences from at most 3 articles in reading order, and no answer unless
the chosen sentences hold a content word of the question itself."""

from portal.search.analysis import Analyzer
from portal.search.extract import (
    ARTICLES_MAX,
    SENTENCE_CHARS_MAX,
    SENTENCES_MAX,
    extract,
    split_sentences,
)

EN = Analyzer("en-US")


def test_sentences_split_at_ends_and_lines_and_long_ones_are_cut():
    text = "Open the app. Tap Settings!\nIs it on? Yes\n\n- a list item\n1.\nこれは文です。次の文"
    assert split_sentences(text) == ["Open the app.", "Tap Settings!", "Is it on?", "Yes",
                                     "- a list item", "これは文です。", "次の文"]
    long = split_sentences("word " * 200)[0]
    assert len(long) <= SENTENCE_CHARS_MAX + 2 and long.endswith(" …")


def test_the_best_sentences_of_the_best_articles_in_reading_order():
    texts = [
        "Printers need paper. To reset your password, open the sign-in page. "
        "Then choose Forgot password. The weather is nice.",
        "Your password must have twelve characters. Lunch is at noon.",
    ]
    found = extract(texts, "How do I reset my password?", EN)
    assert found.sources == (0, 1)
    assert found.text == ("To reset your password, open the sign-in page. Then choose Forgot "
                          "password. Your password must have twelve characters.")
    assert "weather" not in found.text and "Printers" not in found.text


def test_at_most_four_sentences_from_at_most_three_articles():
    texts = [f"Article {i} about the router. The router reboots. Router lights blink."
             for i in range(6)]
    found = extract(texts, "router", EN)
    assert 2 <= len(found.sentences) <= SENTENCES_MAX
    assert len(found.sources) <= ARTICLES_MAX
    assert {s.source for s in found.sentences} == set(found.sources)
    assert all(c.source in found.sources for c in found.context)


def test_no_answer_without_a_content_word_of_the_question():
    texts = ["Install the VPN client. The client connects by itself."]
    assert extract(texts, "zzqx flurble", EN) is None
    assert extract(texts, "How is it?", EN) is None  # stop words only
    assert extract(texts, "conect", EN) is None  # a typo: search may match it, we do not
    assert extract(texts, "connect", EN) is not None  # the same stem as "connects"


def test_the_admins_synonyms_count_as_the_questions_words():
    texts = ["Your bill arrives monthly. Pay the bill online.",
             "An invoice number is on every page."]
    found = extract(texts, "invoice", EN, synonyms="bill")
    assert "invoice number" in found.text and "bill" in found.text
    # only the synonym occurs: the admins said it means the same, so it answers
    found = extract(["Your bill arrives monthly. The weather is fine."], "invoice", EN,
                    synonyms="bill")
    assert found.text == "Your bill arrives monthly."
    # without the synonym, no word of the question: no answer
    assert extract(["Your bill arrives monthly."], "invoice", EN) is None


def test_other_languages_use_their_own_stemmer():
    de = Analyzer("de-DE")
    found = extract(["Das Passwort setzen Sie auf der Anmeldeseite zurück. Das Wetter ist "
                     "schön."], "Wie setze ich mein Passwort zurück?", de)
    assert found.text.startswith("Das Passwort setzen Sie")
    ja = Analyzer("ja-JP")
    found = extract(["パスワードは設定画面で変更できます。天気は晴れです。"],
                    "パスワードの変更", ja)
    assert found.text == "パスワードは設定画面で変更できます。"
