"""A vocabulary as one sorted array of UTF-8 byte strings instead of a Python dict.

A dict of 200k terms costs ~25 MB of private memory in every worker that loads an index;
this array costs a few bytes per term and, memory-mapped from a file
(portal.search.store), is shared by all workers through the page cache. A term's column
is its place in the sorted array (found by binary search), so the arrays that go with
the vocabulary (idf, projection rows, matrix columns) are kept in the same order."""

from collections.abc import Iterable, Iterator

import numpy as np


def encode(terms: Iterable[str]) -> np.ndarray:
    """Sorted, unique terms as a byte-string array (its own order is the column order)."""
    encoded = sorted({term.encode() for term in terms})
    width = max((len(t) for t in encoded), default=1) or 1
    return np.asarray(encoded, dtype=f"S{width}") if encoded else np.zeros(0, dtype="S1")


class Terms:
    """term -> column lookups over a sorted byte-string array (read-only)."""

    def __init__(self, array: np.ndarray):
        self.array = array
        self.width = array.dtype.itemsize

    @classmethod
    def of(cls, terms: Iterable[str]) -> "Terms":
        return cls(encode(terms))

    def columns(self, terms: list[str]) -> np.ndarray:
        """The column of each term, -1 where it is not in the vocabulary."""
        out = np.full(len(terms), -1, dtype=np.int64)
        if not len(self.array) or not terms:
            return out
        encoded = [t.encode() for t in terms]
        fits = np.fromiter((len(t) <= self.width for t in encoded), dtype=bool,
                           count=len(encoded))
        if not fits.any():
            return out
        wanted = np.asarray([t for t, ok in zip(encoded, fits, strict=True) if ok],
                            dtype=self.array.dtype)
        at = np.searchsorted(self.array, wanted)
        inside = at < len(self.array)
        found = np.zeros(len(wanted), dtype=bool)
        found[inside] = self.array[at[inside]] == wanted[inside]
        out[np.flatnonzero(fits)] = np.where(found, at, -1)
        return out

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """[start, end) of the terms that begin with `prefix`."""
        key = prefix.encode()
        start = int(np.searchsorted(self.array, np.asarray(key, dtype=f"S{len(key) or 1}")))
        end = int(np.searchsorted(self.array,
                                  np.asarray(key + b"\xff", dtype=f"S{len(key) + 1}")))
        return start, end

    def get(self, term: str, default=None):
        key = term.encode()
        if len(key) > self.width or not len(self.array):
            return default
        at = int(self.array.searchsorted(key))
        return at if at < len(self.array) and self.array[at] == key else default

    def __contains__(self, term) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def __len__(self) -> int:
        return len(self.array)

    def __iter__(self) -> Iterator[str]:
        return (t.decode() for t in self.array.tolist())

    def decode(self, rows) -> list[str]:
        return [t.decode() for t in self.array[rows].tolist()]
