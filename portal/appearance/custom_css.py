"""A workspace's custom CSS, checked with a real CSS parser (tinycss2) and written out again
from what it parsed, so that nothing the parser did not understand reaches a browser.

What is refused, and why (the message names the line):
- more than `MAX_BYTES` of UTF-8, anything tinycss2 reports as an error, a bracket or
  comment left open, a stray closing bracket;
- at-rules other than @import, @media, @supports, @container, @layer, @font-face and
  @keyframes (so @charset, @namespace, @page, @document ... are refused);
- @import anywhere but before all other rules, and from anything but an https: address on an
  allowlisted host (the imported sheet is not checked: allowlisting a host trusts it);
- url(), src(), image() and image-set() addresses other than https:// (or //) on an
  allowlisted host, a data: PNG, JPEG, GIF or WebP image, or a same-document `#name`
  (SVG filters and masks). Relative addresses are refused: they would load from the
  portal itself, where a GET can have effects (sign out) and where one workspace has no
  business pointing at another's pages. Addresses must be written out (no var() or attr()
  inside, which would let a custom property smuggle an unchecked address in);
- expression(), the behavior and -moz-binding properties, IE filters (progid), and
  javascript:/vbscript: anywhere;
- `<` outside @media/@container/@supports conditions (where `width < 600px` is CSS), HTML
  comment markers, and any `</` or `<!` in the output: the sheet could never close a
  <style> element even if someone inlined it one day.
Every check reads tinycss2's decoded values, so escapes (`\\6a avascript`, `u\\72l(`) and
comments (`expre/**/ssion`) disguise nothing.

Allowlist entries are host names (`fonts.example.com`) or `*.example.com`, which matches
every subdomain of example.com but not example.com itself (as in a CSP source). Entries that
are neither are ignored, so a mistyped entry allows nothing.

Messages are marked for extraction with `_l` and translated by the `gettext` the caller
passes (flask_babel.gettext in a request); this module imports nothing of Flask.
"""

import re
from collections.abc import Callable, Iterable

import tinycss2
from tinycss2.serializer import serialize_identifier

from portal.appearance import AppearanceError

MAX_BYTES = 100 * 1024
MAX_DEPTH = 40  # brackets in brackets; the checks below recurse
DATA_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
BLOCK_RULES = frozenset({"media", "supports", "container", "layer"})
CONDITION_RULES = frozenset({"media", "supports", "container", "import"})
FORBIDDEN_PROPERTIES = frozenset({"behavior", "-ms-behavior", "-moz-binding", "binding"})
FORBIDDEN_FUNCTIONS = frozenset({"expression", "-moz-binding"})
FORBIDDEN_WORDS = ("javascript:", "vbscript:", "livescript:", "<", "-->")
GLUED_WORDS = ("javascript:", "vbscript:", "livescript:", "expression(")
DECODED = {"dimension": "unit", "function": "name"}  # where a token keeps its decoded text
URL_FUNCTIONS = frozenset({"url", "src"})
IMAGE_FUNCTIONS = frozenset({"image", "-webkit-image", "image-set", "-webkit-image-set"})
SUBSTITUTIONS = frozenset({"var", "env", "attr"})
SELECTOR_PUNCTUATION = frozenset({".", ",", ">", "+", "~", "*", ":", "|", "&", "=", "~=", "|=",
                                  "^=", "$=", "*=", "||", "%", "-"})
HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
BLANKS = "".join(map(chr, range(33)))  # what browsers strip around an address
SENTINEL = "\n}"


def _l(message: str) -> str:
    """Marks a message for `portal i18n extract`; `check_css`'s gettext translates it."""
    return message


TOO_LARGE = _l("The custom CSS is %(size)d KB; at most %(limit)d KB are allowed.")
NOT_CSS = _l("line %(line)d: this is not valid CSS")
UNMATCHED = _l("line %(line)d: %(bracket)s has no matching opening bracket")
UNCLOSED = _l("line %(line)d: this %(bracket)s is never closed")
TOO_DEEP = _l("line %(line)d: brackets are nested too deeply here")
OPEN_COMMENT = _l("line %(line)d: this comment is never closed")
AT_RULE = _l("line %(line)d: @%(name)s is not allowed")
LATE_IMPORT = _l("line %(line)d: @import must come before all other rules")
IMPORT_URL = _l("line %(line)d: @import %(url)s must be an https: address on an "
                "allowlisted domain")
FOREIGN_HOST = _l("line %(line)d: %(url)s loads from %(host)s, which is not an "
                  "allowlisted domain")
SCHEME_REFUSED = _l("line %(line)d: %(url)s uses %(scheme)s:, only https: addresses and "
                    "data: images are allowed")
DATA_REFUSED = _l("line %(line)d: %(url)s is not a PNG, JPEG, GIF or WebP image")
RELATIVE = _l("line %(line)d: %(url)s has no host; use an https:// address on an "
              "allowlisted domain or a data: image")
BAD_HOST = _l("line %(line)d: %(url)s does not name a plain host")
NOT_WRITTEN_OUT = _l("line %(line)d: %(name)s() must hold its address written out, "
                     "not computed")
FUNCTION = _l("line %(line)d: %(name)s() is not allowed")
PROPERTY = _l("line %(line)d: the %(name)s property is not allowed")
TEXT = _l("line %(line)d: %(text)s is not allowed")
SELECTOR = _l("line %(line)d: %(text)s is not allowed in a selector")
NESTED = _l("line %(line)d: rules are not allowed inside @%(name)s")
OUTPUT = _l("The custom CSS may not contain %(text)s.")


def check_css(text: str, allowed_hosts: Iterable[str], *,
              gettext: Callable[[str], str] = _l) -> str:
    """The stylesheet to serve for `text`, written out again from its parsed rules, or
    AppearanceError naming the first line that breaks a rule of this module's docstring."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise AppearanceError(gettext(TOO_LARGE) % {"size": -(-size // 1024),
                                                    "limit": MAX_BYTES // 1024})
    return _Checker(allowed_hosts, gettext).stylesheet(text)


def host_patterns(allowed_hosts: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """(exact host names, `.suffix`es of `*.` entries) of an allowlist; others are dropped."""
    exact, suffixes = set(), []
    for entry in allowed_hosts:
        entry = entry.strip().lower().rstrip(".")
        wildcard = entry.startswith("*.")
        host = entry[2:] if wildcard else entry
        if not HOST.fullmatch(host) or (wildcard and "." not in host):
            continue
        if wildcard:
            suffixes.append("." + host)
        else:
            exact.add(host)
    return frozenset(exact), tuple(suffixes)


def _shown(value: str) -> str:
    return "url(%s)" % (value if len(value) <= 60 else value[:57] + "...")


class _Checker:
    def __init__(self, allowed_hosts: Iterable[str], gettext: Callable[[str], str]):
        self.exact, self.suffixes = host_patterns(allowed_hosts)
        self.gettext = gettext

    def refuse(self, message: str, node=None, **params):
        if node is not None:
            params["line"] = node.source_line
        raise AppearanceError(self.gettext(message) % params)

    # -- the whole sheet ------------------------------------------------------------------

    def stylesheet(self, text: str) -> str:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
        tokens = tinycss2.parse_component_value_list(text + SENTINEL)
        self.closed(tokens, text.count("\n") + 2)
        self.prepare(tokens)
        lines, rules_seen = [], False
        for rule in tinycss2.parse_stylesheet(tokens, skip_whitespace=True):
            if rule.type == "at-rule" and rule.lower_at_keyword == "import":
                if rules_seen:
                    self.refuse(LATE_IMPORT, rule)
                lines.append(self.import_rule(rule))
                continue
            if not (rule.type == "at-rule" and rule.lower_at_keyword == "layer"
                    and rule.content is None):
                rules_seen = True
            lines.extend(self.rule(rule, 0))
        css = "\n".join(lines) + "\n" if lines else ""
        folded = css.lower().replace("/**/", "").replace("\\", "")
        for marker in ("</", "<!", "-->", "javascript:", "vbscript:", "expression("):
            if marker in folded:  # a last look at what is served, should a check miss it
                self.refuse(OUTPUT, text=marker)
        return css

    def closed(self, tokens: list, sentinel_line: int) -> None:
        """Appending `SENTINEL` shows what the text left open: the closing brace stays a
        stray one at the top only when every bracket, string and comment was closed."""
        last = tokens[-1]
        if last.type == "error" and last.kind == "}" and last.source_line == sentinel_line:
            tokens.pop()
            return
        if last.type == "comment":
            self.refuse(OPEN_COMMENT, last)
        unclosed = None
        while last is not None and last.type in ("{} block", "() block", "[] block",
                                                  "function"):
            unclosed = last
            content = last.arguments if last.type == "function" else last.content
            last = content[-1] if content else None
        if unclosed is None:
            self.refuse(NOT_CSS, tokens[-1])
        bracket = {"{} block": "{", "[] block": "["}.get(unclosed.type, "(")
        self.refuse(UNCLOSED, unclosed, bracket=bracket)

    def prepare(self, tokens: list, depth: int = 0) -> None:
        """Drops comments, makes every run of whitespace one space, refuses parse errors,
        HTML comment markers and brackets nested deeper than `MAX_DEPTH`, all the way down."""
        tokens[:] = [token for token in tokens if token.type != "comment"]
        for token in tokens:
            if depth > MAX_DEPTH:
                self.refuse(TOO_DEEP, token)
            if token.type == "error":
                if token.kind in ("}", ")", "]"):
                    self.refuse(UNMATCHED, token, bracket=token.kind)
                self.refuse(NOT_CSS, token)
            elif token.type == "whitespace":
                token.value = " "
            elif token.type == "literal" and token.value in ("<!--", "-->"):
                self.refuse(TEXT, token, text=token.value)
            elif token.type == "function":
                self.prepare(token.arguments, depth + 1)
            elif token.type in ("{} block", "() block", "[] block"):
                self.prepare(token.content, depth + 1)

    # -- rules ----------------------------------------------------------------------------

    def rule(self, rule, depth: int, declarations_only: bool = False) -> list[str]:
        indent = "  " * depth
        if rule.type == "error":
            self.refuse(NOT_CSS, rule)
        if rule.type == "qualified-rule":
            self.values(rule.prelude, selector=True)
            return self.block(indent + _flat(rule.prelude), rule.content, depth)
        name = rule.lower_at_keyword
        if name not in BLOCK_RULES | {"font-face", "keyframes"}:
            self.refuse(AT_RULE, rule, name=rule.at_keyword)
        self.values(rule.prelude, condition=name in CONDITION_RULES)
        head = f"{indent}@{name} {_flat(rule.prelude)}".rstrip()
        if rule.content is None:
            if name != "layer":
                self.refuse(NOT_CSS, rule)
            return [head + ";"]
        if name == "font-face":
            return self.block(head, rule.content, depth, flat_only=name)
        if name == "keyframes":
            lines = [head + " {"]
            for frame in tinycss2.parse_rule_list(rule.content, skip_whitespace=True):
                if frame.type != "qualified-rule":
                    self.refuse(NOT_CSS, frame)
                self.values(frame.prelude, selector=True)
                lines += self.block(indent + "  " + _flat(frame.prelude), frame.content,
                                    depth + 1, flat_only=name)
            return [*lines, indent + "}"]
        return self.block(head, rule.content, depth)

    def block(self, head: str, content: list, depth: int, flat_only: str = "") -> list[str]:
        """`head {` with its declarations and nested rules, one a line, then `}`."""
        lines, inner = [head + " {"], "  " * (depth + 1)
        for node in tinycss2.parse_blocks_contents(content, skip_whitespace=True):
            if node.type == "declaration":
                lines.append(inner + self.declaration(node))
            elif flat_only and node.type != "error":
                self.refuse(NESTED, node, name=flat_only)
            else:
                lines.extend(self.rule(node, depth + 1))
        return [*lines, "  " * depth + "}"]

    def declaration(self, declaration) -> str:
        name = declaration.lower_name
        if name in FORBIDDEN_PROPERTIES:
            self.refuse(PROPERTY, declaration, name=name)
        self.values(declaration.value)
        name = declaration.name if name.startswith("--") else name
        important = " !important" if declaration.important else ""
        return f"{serialize_identifier(name)}: {_flat(declaration.value)}{important};"

    def import_rule(self, rule) -> str:
        tokens = [token for token in rule.prelude if token.type != "whitespace"]
        first = tokens[0] if tokens else rule
        address = None
        if first.type in ("url", "string"):
            address = first.value
        elif first.type == "function" and first.lower_name == "url":
            address = self.written_out(first)
        if address is None or rule.content is not None:
            self.refuse(NOT_CSS, rule)
        if not address.strip(BLANKS).lower().startswith(("https:", "//", "\\\\", "/\\")):
            self.refuse(IMPORT_URL, first, url=_shown(address))
        self.address(address, first)
        self.values(tokens[1:], condition=True)
        return f"@import {_flat(rule.prelude)};"

    # -- values ---------------------------------------------------------------------------

    def values(self, tokens: list, condition=False, selector=False, images=False) -> None:
        """Checks component values; `images`: strings are image addresses (image-set())."""
        glued = ""
        for token in tokens:
            kind = token.type
            if kind in ("ident", "hash", "at-keyword", "string", "function", "dimension"):
                self.words(getattr(token, DECODED.get(kind, "value")), token)
            if kind == "ident" and token.lower_value == "progid":
                self.refuse(TEXT, token, text="progid")
            elif kind == "literal":
                if selector and token.value not in SELECTOR_PUNCTUATION:
                    self.refuse(SELECTOR, token, text=token.value)
                if token.value == "<" and not condition:
                    self.refuse(TEXT, token, text="<")
            elif kind == "url":
                self.address(token.value, token)
            elif kind == "string" and images:
                self.address(token.value, token)
            elif kind == "function":
                self.function(token, condition)
            elif kind in ("{} block", "() block", "[] block"):
                if selector and kind == "{} block":
                    self.refuse(SELECTOR, token, text="{")
                self.values(token.content, condition, selector, images)
            # tokens with nothing between them read as one word: `javascript` `:`, or
            # expre/**/ssion( once the comment is gone (old IE dropped comments first)
            glued = glued[-16:] + _glued(token) if kind in ("ident", "function", "literal") else ""
            if glued:
                self.words(glued, token, GLUED_WORDS)

    def function(self, token, condition: bool) -> None:
        name = token.lower_name
        if name in FORBIDDEN_FUNCTIONS:
            self.refuse(FUNCTION, token, name=name)
        if name in URL_FUNCTIONS:
            self.address(self.written_out(token), token)
        elif name in IMAGE_FUNCTIONS:
            if any(arg.type == "function" and arg.lower_name in SUBSTITUTIONS
                   for arg in token.arguments):
                self.refuse(NOT_WRITTEN_OUT, token, name=name)
            self.values(token.arguments, condition, images=True)
        else:
            self.values(token.arguments, condition)

    def written_out(self, token) -> str:
        """The one string a url() or src() function holds."""
        arguments = [arg for arg in token.arguments if arg.type != "whitespace"]
        if len(arguments) != 1 or arguments[0].type != "string":
            self.refuse(NOT_WRITTEN_OUT, token, name=token.lower_name)
        return arguments[0].value

    def words(self, decoded: str, token, words=FORBIDDEN_WORDS) -> None:
        folded = "".join(decoded.lower().split())
        folded = "".join(c for c in folded if c.isprintable())
        for word in words:
            if word in folded:
                self.refuse(TEXT, token, text=word)

    def address(self, value: str, token) -> None:
        """An address browsers would load: https on an allowlisted host, or a data: image."""
        self.words(value, token)
        shown = _shown(value)
        # browsers strip blanks around an address, drop tabs and newlines inside it and read
        # a backslash as a slash (https:\\evil.example is https://evil.example)
        url = re.sub(r"[\t\n\r]", "", value.strip(BLANKS)).replace("\\", "/")
        if re.fullmatch(r"#[A-Za-z_][\w-]*", url):
            return
        scheme = SCHEME.match(url)
        if scheme and scheme.group(1).lower() == "data":
            media_type = url[scheme.end():].partition(",")[0].split(";")[0]
            if "," not in url or media_type.strip().lower() not in DATA_IMAGE_TYPES:
                self.refuse(DATA_REFUSED, token, url=shown)
            return
        if scheme and scheme.group(1).lower() != "https":
            self.refuse(SCHEME_REFUSED, token, url=shown, scheme=scheme.group(1).lower())
        rest = url[scheme.end():] if scheme else url
        if not rest.startswith("//") and not (scheme and rest.startswith("/")):
            self.refuse(RELATIVE if not scheme else BAD_HOST, token, url=shown)
        authority = re.split(r"[/?#]", rest.lstrip("/"), maxsplit=1)[0]
        host, _, port = authority.lower().partition(":")
        host = host.rstrip(".")
        if not HOST.fullmatch(host) or (port and not port.isdigit()):
            self.refuse(BAD_HOST, token, url=shown)
        if host not in self.exact and not host.endswith(self.suffixes):
            self.refuse(FOREIGN_HOST, token, url=shown, host=host)


def _glued(token) -> str:
    return token.name + "(" if token.type == "function" else token.value


def _flat(tokens: list) -> str:
    """Component values written out again (whitespace already one space), trimmed."""
    return tinycss2.serialize(tokens).strip()
