"""Result snippets: the passage of an article with the most matched words, HTML-escaped,
with each matched word wrapped in <mark>.

A snippet does not stem the article (that was 41 % of a search: every hit's first 100k
characters, word by word). One regular expression finds the words that may stem to a query
stem -- those that begin like it -- and only those few candidates are stemmed to confirm
them, so the cost is a regex scan in C plus a handful of stems."""

import re
from functools import lru_cache

from markupsafe import Markup, escape

from portal.search.analysis import MAX_TOKEN, Analyzer, normalise

WINDOW = 220  # characters of text around the matches
SCAN = 100_000  # characters of an article searched for matches
# German stems lose umlauts and ß ("häuser" -> "haus", "größer" -> "gross")
_GERMAN = (("ss", "(?:ss|ß)"), ("s", "(?:s|ß)"), ("a", "[aä]"), ("o", "[oö]"),
           ("u", "[uü]"))


def _stem_pattern(stem: str, german: bool) -> str:
    """A regex for the start of a word that may stem to `stem`: the stem without its last
    letter (stemming rewrites endings: "happy" -> "happi"; "dying" -> "die", "lying")."""
    head = stem[:-1] if len(stem) > 2 else stem
    if not german:
        if stem.endswith("ie"):
            return f"{re.escape(head)}|{re.escape(stem[:-2])}y"
        return re.escape(head)
    out, i = [], 0
    while i < len(head):
        for plain, variant in _GERMAN:
            if head.startswith(plain, i):
                out.append(variant)
                i += len(plain)
                break
        else:
            out.append(re.escape(head[i]))
            i += 1
    return "".join(out)


class Matcher:
    """The candidates of some stems (`matcher`). ASCII text (most articles) is searched for
    the heads as plain lower-case prefixes at word starts (`str.find`, no regular
    expression compiled for a new query: compiling the pattern was ~0.2 ms of a search
    with a query not seen before); other text with the case-blind pattern, compiled on
    first use and kept per pattern."""

    __slots__ = ("alternatives", "known", "lang", "prefixes", "stems")

    def __init__(self, alternatives: str, prefixes: tuple[str, ...], stems=None,
                 lang: str | None = None):
        self.alternatives = alternatives  # the regex alternatives, longest head first
        self.prefixes = prefixes  # what they find in lower-cased ASCII text
        self.stems, self.lang = stems, lang  # what it was made for (`matcher`)
        self.known: dict[str, bool] = {}  # candidate word -> stems to one of `stems`

    def verdicts(self, stems: set[str], analyzer: Analyzer) -> dict[str, bool]:
        """The words already judged for these stems: kept across the hits of one search
        (the pattern is made once per search, `matcher`), a new dict for other stems."""
        if stems is self.stems and analyzer.lang == self.lang:
            return self.known
        return {}

    @property
    def regex(self) -> re.Pattern:
        return _compiled(self.alternatives)


def _ascii_prefixes(stem: str, german: bool) -> tuple[str, ...]:
    """What `_stem_pattern(stem, german)` finds in lower-cased ASCII text: the head itself
    (the German variants' ß and umlauts never occur there), and English "ie"'s y."""
    head = stem[:-1] if len(stem) > 2 else stem
    if not german and stem.endswith("ie"):
        return head, f"{stem[:-2]}y"
    return (head,)


def matcher(stems: set[str], analyzer: Analyzer) -> Matcher | None:
    """Candidates for `stems`: whole words (the analyser's tokens) with a matching start."""
    german = analyzer.lang == "german"
    heads = sorted({_stem_pattern(s, german) for s in stems if s},
                   key=lambda h: (-len(h), h))
    if not heads:
        return None
    prefixes = {p for s in stems if s for p in _ascii_prefixes(s, german) if p.isascii()}
    return Matcher("|".join(heads), tuple(sorted(prefixes)), stems, analyzer.lang)


_HEAD, _TAIL = r"(?<![^\W_])(?:", r")[^\W_]*"  # a word start, a candidate, the word's rest
_REST = re.compile(r"[a-z0-9]*")  # the rest of a word in lower-cased ASCII text


@lru_cache(maxsize=1024)
def _compiled(alternatives: str) -> re.Pattern:
    return re.compile(f"{_HEAD}{alternatives}{_TAIL}", re.IGNORECASE)


def _candidates(text: str, pattern: Matcher):
    """(start, end) of the words of `text` (up to SCAN) that `pattern` (of `matcher`) finds,
    in order."""
    if not text.isascii():
        return [m.span() for m in pattern.regex.finditer(text, 0, SCAN)]
    return _ascii_candidates(text.lower(), pattern)


def _ascii_candidates(lower: str, pattern: Matcher) -> list[tuple[int, int]]:
    """`_candidates` of an ASCII text, given lower-cased."""
    # lower-casing keeps the length, and a word start is a letter or digit after
    # something else ([^\W_] is [a-z0-9] here); the case-blind pattern's match at a word
    # start is the whole word, whichever head matched
    limit = min(len(lower), SCAN)
    starts = set()
    for prefix in pattern.prefixes:
        at = lower.find(prefix, 0, limit)
        while at >= 0:
            if not at or not lower[at - 1].isalnum():
                starts.add(at)
            at = lower.find(prefix, at + 1, limit)
    rest = _REST.match
    return [(at, rest(lower, at, limit).end()) for at in sorted(starts)]


def _pair_matches(text: str, stems: set[str], analyzer: Analyzer) -> list[tuple[int, int]]:
    """`matches` in Japanese: its runs are read in overlapping character pairs, none of
    which starts a word, so the text is read as the index read it (`Analyzer.spans`) and
    touching or overlapping matched pairs become one span ("請求" + "求書" -> "請求書")."""
    out: list[tuple[int, int]] = []
    for stem, start, end in analyzer.spans(text[:SCAN]):
        if stem not in stems:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def matches(text: str, stems: set[str], analyzer: Analyzer,
            pattern: Matcher | None = None) -> list[tuple[int, int]]:
    """(start, end) of every word of `text` whose stem is one of `stems`."""
    if analyzer.lang == "japanese" and not text.isascii():
        return _pair_matches(text, stems, analyzer)
    pattern = pattern or matcher(stems, analyzer)
    if pattern is None:
        return []
    # an ASCII word's normal form (NFKC, casefold) is its lower case: read in the text
    # lower-cased once; each word is judged once (words recur in a text and across hits)
    ascii_text = text.isascii()
    if ascii_text:
        lower = text.lower()
        spans = _ascii_candidates(lower, pattern)
    else:
        spans = _candidates(text, pattern)
    known = pattern.verdicts(stems, analyzer)
    out = []
    for start, end in spans:
        word = lower[start:end] if ascii_text else normalise(text[start:end])
        ok = known.get(word)
        if ok is None:
            ok = known[word] = (len(word) <= MAX_TOKEN and word not in analyzer.stop
                                and analyzer.stem(word) in stems)
        if ok:
            out.append((start, end))
    return out


def snippet(text: str, stems: set[str], analyzer: Analyzer, width: int = WINDOW,
            pattern: Matcher | None = None) -> Markup:
    """Safe HTML: the best window of `text` (plain text) for the query's `stems`.
    `pattern`: matcher(stems, analyzer), made once for all hits of a search."""
    text = text or ""
    cut = len(text) > SCAN + 2 * width
    text = " ".join((text[:SCAN + 2 * width] if cut else text).split())
    if not text:
        return Markup("")
    hits = matches(text, stems, analyzer, pattern)
    if not hits:
        return _cut(text, 0, width, [], cut)
    # the window starting at a hit that covers the most hits
    best, best_count, j = 0, 0, 0
    for i, (start, _end) in enumerate(hits):
        while j < len(hits) and hits[j][1] <= start + width:
            j += 1
        if j - i > best_count:
            best, best_count = i, j - i
    start = hits[best][0]
    begin = max(0, start - width // 4)
    if begin:
        space = text.rfind(" ", 0, begin + 1)
        begin = space + 1 if space >= 0 and begin - space < 30 else begin
    return _cut(text, begin, width, hits, cut)


def _cut(text: str, begin: int, width: int, hits, more: bool = False) -> Markup:
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin + width // 2 else end
    # built as one str of escaped parts and marked safe once: the same HTML as joining
    # Markup objects, without a Markup object and a `%` per part (markupsafe's slow path)
    parts, pos = [], begin
    for start, stop in hits:
        if start < begin or stop > end:
            continue
        parts.append(escape(text[pos:start]))
        parts.append(f"<mark>{escape(text[start:stop])}</mark>")
        pos = stop
    parts.append(escape(text[pos:end]))
    prefix = "… " if begin > 0 else ""
    suffix = " …" if end < len(text) or more else ""
    return Markup(prefix + "".join(parts) + suffix)
