"""The sentence model reads a whole article in passages (portal.search.sentence): how an
article is cut, how its passages' scores make its score, and that a stored index keeps
the passages. Splitting and combining need no model; the rest runs with the embeddings
extra (CI installs it)."""

import numpy as np
import pytest

from portal.search import codec, sentence
from portal.search.engine import Doc, build_index
from portal.search.sentence import SentenceEmbedder, combine, passages
from tests.conftest import CI


def words(n: int, start: int = 0) -> str:
    return " ".join(f"w{i}z" for i in range(start, start + n))


def test_a_short_article_is_one_passage_with_its_title():
    assert passages("Reset a password", "Open the page. Click reset.") == [
        "Reset a password. Open the page. Click reset."]


def test_an_article_without_text_is_its_title():
    assert passages("  Only   a title ", "") == ["Only a title"]


def test_a_long_article_is_read_whole_in_overlapping_passages_of_whole_sentences():
    sentences = [words(10, 10 * i) + "." for i in range(12)]  # 120 words
    cut = passages("T", " ".join(sentences), words=40, overlap=10)
    bodies = [p.removeprefix("T. ") for p in cut]
    assert all(p.startswith("T. ") for p in cut)
    assert all(len(b.split()) <= 40 for b in bodies)
    # every sentence is read, each passage ends on a sentence and starts with the last
    # sentence of the one before
    assert all(any(s in b for b in bodies) for s in sentences)
    assert all(b.endswith(".") for b in bodies)
    for before, after in zip(bodies, bodies[1:], strict=False):
        assert after.startswith(before.split(". ")[-1].rstrip("."))
    assert len(cut) == 4  # 40 words each, 10 carried over: 40 + 30 + 30 + 20


def test_lines_end_sentences_and_a_sentence_longer_than_a_passage_is_cut_by_words():
    cut = passages("T", f"Steps:\n1. {words(25)}\n2. Done", words=10, overlap=0)
    assert cut == ["T. Steps:", f"T. 1. {words(9)}", f"T. {words(10, 9)}",
                   f"T. {words(6, 19)} 2. Done"]


def test_a_very_long_document_keeps_at_most_passages_max_spread_over_it():
    text = " ".join(words(10, 10 * i) + "." for i in range(1000))
    cut = passages("T", text, words=20, overlap=0)
    assert len(cut) == sentence.PASSAGES_MAX
    assert "w0z " in cut[0] and "w9999z." in cut[-1]


def test_an_article_scores_as_its_best_passage():
    scores = np.array([0.1, 0.5, 0.3, 0.2, 0.9, 0.4], dtype=np.float32)
    starts = np.array([0, 3, 5])
    assert combine(scores, starts, 0.0).tolist() == pytest.approx([0.5, 0.9, 0.4])
    assert combine(scores[:0], starts[:0], 0.5).tolist() == []


def test_the_second_best_passage_can_add_to_it():
    scores = np.array([0.1, 0.5, 0.3, 0.9, 0.9, 0.4], dtype=np.float32)
    starts = np.array([0, 3, 5])
    # (best + w * second) / (1 + w); one passage: its score; two equal bests both count
    assert combine(scores, starts, 0.5).tolist() == pytest.approx(
        [(0.5 + 0.5 * 0.3) / 1.5, 0.9, 0.4])


@pytest.fixture(scope="module")
def model_ready():
    if not sentence.available():
        if CI:
            pytest.fail("CI installs the embeddings extra: sentence tests must run")
        pytest.skip("needs the embeddings extra: pip install -e '.[embeddings]'")


def test_what_an_article_says_at_its_end_is_found(model_ready):
    """Past the model's 256-token window: today's one vector never read it."""
    filler = " ".join(f"Step {i}: open the project settings and review the "
                      f"options of the board." for i in range(40))  # ~500 words
    docs = [Doc(1, "Project settings", f"{filler} Finally, to recover a stolen laptop, "
                                       "lock it remotely from the devices page."),
            Doc(2, "Board options", filler),
            Doc(3, "Export reports", "Open a report and choose Export, then CSV.")]
    index = build_index(docs, "en-US", embedder_factory=lambda _a, _p, _n: SentenceEmbedder())
    assert len(index.semantic.vectors) > 3  # passages, not one vector per article
    assert [d for d, _s in index.search("somebody pinched my notebook computer",
                                        "semantic")][:1] == [1]
    stored = codec.loads(codec.dumps(index))
    assert stored.semantic.starts.tolist() == index.semantic.starts.tolist()
    for query in ("pinched notebook", "export csv", "board options"):
        assert stored.search(query, "hybrid") == index.search(query, "hybrid")
