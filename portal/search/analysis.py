"""Per-locale text analysis: Unicode-normalise, lowercase, tokenise, drop stop words, stem.

The same analyser builds the indexes and reads the queries, so both sides agree on what a
term is. `spans()` keeps each token's place in the original text, so snippets can mark the
words that matched without a second tokeniser."""

import re
import threading
import unicodedata

import snowballstemmer

from portal.search.stopwords import STOP_AR, STOP_ES, STOP_FR, STOP_JA

# words, numbers, and words with inner apostrophes/hyphens split apart
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TOKEN = 40  # longer "words" are noise (hashes, base64): never index them

STOP_EN = frozenset("""
a about above after again against all am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each few for from further had hadn't has hasn't have
haven't having he her here hers herself him himself his how i if in into is isn't it its
itself just let's me more most mustn't my myself no nor not of off on once only or other
ought our ours ourselves out over own same shan't she should shouldn't so some such than
that the their theirs them themselves then there these they this those through to too
under until up very was wasn't we were weren't what when where which while who whom why
will with won't would wouldn't you your yours yourself yourselves s t d ll m re ve
""".split())

STOP_DE = frozenset("""
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
anderes anderm andern anderr anders auch auf aus bei bin bis bist da damit dann das dass
daß dasselbe dazu dein deine deinem deinen deiner deines dem demselben den denn denselben
der derer derselbe derselben des desselben dessen dich die dies diese dieselbe dieselben
diesem diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines einig
einige einigem einigen einiger einiges einmal er es etwas euch euer eure eurem euren eurer
eures für gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen
ihr ihre ihrem ihren ihrer ihres im in indem ins ist jede jedem jeden jeder jedes jene
jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner keines können könnte
machen man manche manchem manchen mancher manches mein meine meinem meinen meiner meines
mich mir mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine
seinem seinen seiner seines selbst sich sie sind so solche solchem solchen solcher solches
soll sollte sondern sonst über um und uns unser unsere unserem unseren unserer unseres
unter viel vom von vor während war waren warst was weg weil weiter welche welchem welchen
welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte würde
würden zu zum zur zwar zwischen
""".split())


LANGUAGES = {"de": "german", "fr": "french", "es": "spanish", "ar": "arabic",
             "ja": "japanese"}
# Japanese is written without spaces: its runs of kana and kanji are read as overlapping
# pairs of characters (bigrams), which match without a dictionary of words
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+")
_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def language(locale: str) -> str:
    """'de-DE' -> 'german', 'fr-FR' -> 'french', ...; anything else reads as English."""
    return LANGUAGES.get((locale or "")[:2].lower(), "english")


def _stop_words(lang: str) -> frozenset:
    return {"german": STOP_DE, "french": STOP_FR, "spanish": STOP_ES, "arabic": STOP_AR,
            "japanese": STOP_JA}.get(lang, STOP_EN)


def _pieces(word: str, start: int, lang: str):
    """(piece, start, end) of one word: itself, or a Japanese run's bigrams."""
    if lang != "japanese" or not _CJK.search(word):
        yield word, start, start + len(word)
        return
    at = 0
    for run in _CJK.finditer(word):
        if run.start() > at:
            yield word[at:run.start()], start + at, start + run.start()
        text = run.group()
        if len(text) == 1:
            yield text, start + run.start(), start + run.end()
        for i in range(len(text) - 1):
            yield text[i:i + 2], start + run.start() + i, start + run.start() + i + 2
        at = run.end()
    if at < len(word):
        yield word[at:], start + at, start + len(word)


def normalise(text: str) -> str:
    """NFKC (full-width letters, ligatures) and casefold (ß -> ss, Σ -> σ)."""
    return unicodedata.normalize("NFKC", text or "").casefold()


class Analyzer:
    """Callable: text -> list of stemmed content terms. A stored index keeps only the
    locale and makes a new one (the stemmer is made on first use)."""

    def __init__(self, locale: str):
        self.locale = locale
        self.lang = language(locale)
        self.stop = _stop_words(self.lang)

    def stem(self, word: str) -> str:
        return stem_word(self.lang, word)

    def normalise(self, text: str) -> str:
        text = normalise(text)
        return _ARABIC_MARKS.sub("", text) if self.lang == "arabic" else text

    def words(self, text: str) -> list[str]:
        """Normalised surface words, stop words removed (no stemming)."""
        return [piece for word in _TOKEN.findall(self.normalise(text))
                for piece, _start, _end in _pieces(word, 0, self.lang)
                if len(piece) <= MAX_TOKEN and piece not in self.stop]

    def __call__(self, text: str) -> list[str]:
        return [self.stem(w) for w in self.words(text)]

    def spans(self, text: str):
        """(stem, start, end) for each content word of `text`, offsets into `text` itself.
        NFKC can change lengths, so words are found on the original and normalised one by
        one."""
        for match in _TOKEN.finditer(text or ""):
            for piece, start, end in _pieces(match.group(), match.start(), self.lang):
                word = self.normalise(piece)
                if len(word) > MAX_TOKEN or word in self.stop or not word:
                    continue
                yield self.stem(word), start, end


STEM_CACHE_MAX = 200_000  # words per language kept with their stem
_stems: dict[str, dict[str, str]] = {}  # language -> word -> stem, shared by all threads
_own = threading.local()  # this thread's stemmers


def stem_word(lang: str, word: str) -> str:
    """The Snowball stem of `word`. A stemmer keeps its state between calls, so one
    instance shared by threads answers wrong stems or raises (IndexError under gunicorn
    threads): each thread has its own. The stems found are shared (a dict's get and set
    are atomic), up to STEM_CACHE_MAX words per language."""
    stems = _stems.setdefault(lang, {})
    found = stems.get(word)
    if found is None:
        found = _thread_stemmer(lang).stemWord(word)
        if len(stems) < STEM_CACHE_MAX:
            stems[word] = found
    return found


def _thread_stemmer(lang: str):
    stemmers = getattr(_own, "stemmers", None)
    if stemmers is None:
        stemmers = _own.stemmers = {}
    if lang not in stemmers:
        stemmers[lang] = snowballstemmer.stemmer(lang) \
            if lang in snowballstemmer.algorithms() else _Same()
    return stemmers[lang]


class _Same:
    """A language without a Snowball stemmer (Japanese): words are their own stems."""

    @staticmethod
    def stemWord(word: str) -> str:  # noqa: N802 (Snowball's name)
        return word
