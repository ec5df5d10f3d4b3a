"""What search engines and assistants read of a page: JSON-LD (schema.org `Article`,
`BreadcrumbList`, `FAQPage`), an article's Markdown copy and the `llms.txt` list.

JSON-LD sits in `<script type="application/ld+json">`: a data block, which browsers never
run (the strict CSP allows no inline script, and needs not: a data block is not script).
Its text escapes `<`, `>` and `&` as `\\u003c`..., so an article's text holding
`</script>` cannot end the block.

An article is "written as questions and answers" when at least two of its headings end
with a question mark, each followed by some text, and questions are at least half of its
headings: each becomes a `Question` with the text up to the next heading as its answer.
"""

import json
import re
from datetime import datetime

from markupsafe import Markup

from portal.services import article_content

MIN_QUESTIONS = 2
ANSWER_MAX = 5000  # characters of an answer kept
HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def script_json(data) -> Markup:
    """`data` as JSON that is safe inside a `<script type="application/ld+json">` block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def _text(html: str) -> str:
    return " ".join(article_content.html_text(html)[1].split())


def questions_and_answers(body_html: str) -> list[tuple[str, str]]:
    """[(question, answer)] when the article reads as questions and answers, else []."""
    parts = HEADING.split(body_html or "")
    # parts: text before, then (level, heading html, text after) per heading
    headings = [(_text(parts[i + 1]), _text(parts[i + 2])) for i in range(1, len(parts), 3)]
    pairs = [(q, a[:ANSWER_MAX]) for q, a in headings if q.endswith(("?", "？", "؟")) and a]
    questions = [q for q, _a in headings if q.endswith(("?", "？", "؟"))]
    if len(pairs) < MIN_QUESTIONS or len(pairs) != len(questions) \
            or 2 * len(questions) < len(headings):
        return []
    return pairs


def _when(moment: datetime | None) -> str | None:
    return moment.replace(microsecond=0).isoformat() if moment else None


def publisher(name: str, logo_url: str | None) -> dict:
    found = {"@type": "Organization", "name": name}
    if logo_url:
        found["logo"] = {"@type": "ImageObject", "url": logo_url}
    return found


def article_ld(*, url: str, title: str, description: str, locale: str,
               published: datetime | None, modified: datetime | None,
               organisation: dict) -> dict:
    found = {"@context": "https://schema.org", "@type": "Article", "headline": title[:110],
             "name": title, "url": url, "mainEntityOfPage": url, "inLanguage": locale,
             "datePublished": _when(published or modified), "dateModified": _when(modified),
             "author": organisation, "publisher": organisation}
    if description:
        found["description"] = description
    return found


def breadcrumbs_ld(trail: list[tuple[str, str]]) -> dict:
    """`trail`: [(name, absolute URL)] from the knowledge base's home to the page."""
    return {"@context": "https://schema.org", "@type": "BreadcrumbList",
            "itemListElement": [{"@type": "ListItem", "position": i, "name": name, "item": url}
                                for i, (name, url) in enumerate(trail, start=1)]}


def faq_ld(pairs: list[tuple[str, str]]) -> dict:
    return {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [
        {"@type": "Question", "name": q, "acceptedAnswer": {"@type": "Answer", "text": a}}
        for q, a in pairs]}


def website_ld(*, url: str, name: str, description: str) -> dict:
    found = {"@context": "https://schema.org", "@type": "WebSite", "url": url, "name": name}
    if description:
        found["description"] = description
    return found


def article_markdown(article, tr, url: str, updated: datetime | None) -> str:
    """The Markdown copy of an article's text: its title, description, source address and
    date, then the body (Markdown for native articles, the extracted text of a file, the
    address of a link)."""
    title = tr.title if tr else article.slug
    lines = [f"# {title}", ""]
    if tr is not None and tr.description:
        lines += [f"> {' '.join(tr.description.split())}", ""]
    lines += [f"Source: <{url}>"]
    if updated:
        lines += [f"Updated: {updated.date().isoformat()}"]
    lines.append("")
    if article.kind == "link" and article.link_url:
        lines += [f"<{article.link_url}>", ""]
    elif tr is not None and tr.body:
        lines += [tr.body.strip(), ""]
    return "\n".join(lines)


def llms_text(*, name: str, summary: str, groups: list[tuple[str, list[tuple[str, str, str]]]],
              ) -> str:
    """The llms.txt of a workspace and locale (llmstxt.org): a title, a summary, then a
    section per directory listing [title](Markdown URL): description."""
    lines = [f"# {name}", ""]
    if summary:
        lines += [f"> {' '.join(summary.split())}", ""]
    for heading, items in groups:
        lines += [f"## {heading}", ""]
        for title, url, description in items:
            tail = f": {' '.join(description.split())}" if description else ""
            lines.append(f"- [{_link_text(title)}]({url}){tail}")
        lines.append("")
    return "\n".join(lines)


def _link_text(title: str) -> str:
    return " ".join(title.split()).replace("[", "\\[").replace("]", "\\]")
