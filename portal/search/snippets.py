"""Result snippets: the passage of an article with the most matched words, HTML-escaped,
with each matched word wrapped in <mark>."""

from markupsafe import Markup, escape

from portal.search.analysis import Analyzer

WINDOW = 220  # characters of text around the matches


def snippet(text: str, stems: set[str], analyzer: Analyzer, width: int = WINDOW) -> Markup:
    """Safe HTML: the best window of `text` (plain text) for the query's `stems`."""
    text = " ".join((text or "").split())
    if not text:
        return Markup("")
    hits = [(start, end) for stem, start, end in analyzer.spans(text[:100_000])
            if stem in stems]
    if not hits:
        return _cut(text, 0, width, [])
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
    return _cut(text, begin, width, hits)


def _cut(text: str, begin: int, width: int, hits) -> Markup:
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin + width // 2 else end
    parts, pos = [], begin
    for start, stop in hits:
        if start < begin or stop > end:
            continue
        parts.append(escape(text[pos:start]))
        parts.append(Markup("<mark>%s</mark>") % text[start:stop])
        pos = stop
    parts.append(escape(text[pos:end]))
    prefix = "… " if begin > 0 else ""
    suffix = " …" if end < len(text) else ""
    return Markup(escape(prefix) + Markup("").join(parts) + escape(suffix))
