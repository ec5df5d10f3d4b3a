"""Custom CSS: attacks are refused with the line and the reason, ordinary CSS comes back
normalized (written out again from what tinycss2 parsed)."""

import pytest

from portal.appearance import AppearanceError
from portal.appearance.custom_css import MAX_BYTES, check_css, host_patterns

HOSTS = ["fonts.example.com", "*.cdn.example.org"]
PNG = "data:image/png;base64,iVBORw0KGgo="

# (name, css, what the message must contain)
ATTACKS = [
    ("import-foreign", '@import "https://evil.example/x.css";',
     "line 1: url(https://evil.example/x.css) loads from evil.example, which is not an "
     "allowlisted domain"),
    ("import-url-foreign", "@import url(https://evil.example/x.css) screen;",
     "loads from evil.example"),
    ("import-http", "@import url(http://fonts.example.com/x.css);",
     "line 1: @import url(http://fonts.example.com/x.css) must be an https: address"),
    ("import-data-css", "@import url(data:text/css,a{});", "must be an https: address"),
    ("import-relative", '@import "/x.css";', "must be an https: address"),
    ("import-after-rules", "a{}\n@import url(https://fonts.example.com/a.css);",
     "line 2: @import must come before all other rules"),
    ("import-nested", "@media print {\n@import url(https://fonts.example.com/a.css);\n}",
     "line 2: @import is not allowed"),
    ("url-foreign", "a {\n  color: red;\n  background: url(https://evil.example/x.png);\n}",
     "line 3: url(https://evil.example/x.png) loads from evil.example, which is not an "
     "allowlisted domain"),
    ("url-string-foreign", 'a{background:url("https://evil.example/x.png")}',
     "loads from evil.example"),
    ("protocol-relative", "a{b:url(//evil.example/x)}", "loads from evil.example"),
    ("backslashes", r"a{b:url(https:\\evil.example/x)}", "loads from evil.example"),
    ("slash-backslash", r'a{b:url("/\\evil.example/x")}', "loads from evil.example"),
    ("extra-slashes", "a{b:url(https:////evil.example/x)}", "loads from evil.example"),
    ("userinfo", "a{b:url(https://fonts.example.com@evil.example/x)}",
     "does not name a plain host"),
    ("percent-host", "a{b:url(https://fonts%2eexample.com/x)}", "does not name a plain host"),
    ("suffix-lookalike", "a{b:url(https://evilfonts.example.com/x)}",
     "loads from evilfonts.example.com"),
    ("wildcard-is-not-apex", "a{b:url(https://cdn.example.org/x)}",
     "loads from cdn.example.org"),
    ("wildcard-lookalike", "a{b:url(https://cdn.example.org.evil.example/x)}",
     "loads from cdn.example.org.evil.example"),
    ("http", "a{b:url(http://fonts.example.com/x.png)}",
     "uses http:, only https: addresses and data: images are allowed"),
    ("javascript-url", "a{b:url(javascript:alert(1))}", "line 1: this is not valid CSS"),
    ("javascript-string-url", 'a{b:url("javascript:alert(1)")}',
     "line 1: javascript: is not allowed"),
    ("escaped-javascript", r'a{b:url("\6a avascript:alert(1)")}', "javascript: is not allowed"),
    ("escaped-url-name", r'a{b:u\72l("https://evil.example/x")}', "loads from evil.example"),
    ("escaped-unquoted-url", r"a{b:\75rl(https://evil.example/x)}", "loads from evil.example"),
    ("javascript-tab", r'a{b:url("java\9 script:alert(1)")}', "javascript: is not allowed"),
    ("javascript-ident", r"a{b:\6a avascript:x}", "javascript: is not allowed"),
    ("vbscript-upper", 'a{b:url("VBSCRIPT:msgbox")}', "vbscript: is not allowed"),
    ("relative", "a{b:url(x.png)}",
     "line 1: url(x.png) has no host; use an https:// address on an allowlisted domain"),
    ("dot-dot", "a{b:url(../../admin/logout)}", "has no host"),
    ("data-html", "a{b:url(data:text/html;base64,PHNjcmlwdD4=)}",
     "url(data:text/html;base64,PHNjcmlwdD4=) is not a PNG, JPEG, GIF or WebP image"),
    ("data-svg", "a{b:url(data:image/svg+xml;base64,PHN2Zz4=)}",
     "is not a PNG, JPEG, GIF or WebP image"),
    ("data-svg-upper", 'a{b:url("DATA:IMAGE/SVG+XML,x")}', "is not a PNG"),
    ("data-no-comma", "a{b:url(data:image/png)}", "is not a PNG"),
    ("image-set-foreign", 'a{b:image-set("https://evil.example/a.png" 1x)}',
     "loads from evil.example"),
    ("webkit-image-set-svg", 'a{b:-webkit-image-set("data:image/svg+xml,x" 1x)}',
     "is not a PNG"),
    ("image-set-var", "a{--u:'https://evil.example/a.png';b:image-set(var(--u) 1x)}",
     "image-set() must hold its address written out"),
    ("src-var", "a{b:src(var(--u))}", "src() must hold its address written out"),
    ("font-face-src", "@font-face {\n  src: url(https://evil.example/f.woff2);\n}",
     "line 2: url(https://evil.example/f.woff2) loads from evil.example"),
    ("expression", "a{width:expression(alert(1))}", "expression() is not allowed"),
    ("expression-escaped", r"a{width:e\78pression(alert(1))}", "expression() is not allowed"),
    ("expression-upper", "a{width:EXPRESSION(alert(1))}", "expression() is not allowed"),
    ("expression-comment", "a{width:expre/**/ssion(alert(1))}", "expression( is not allowed"),
    ("behavior", "a{behavior:url(https://fonts.example.com/x.htc)}",
     "the behavior property is not allowed"),
    ("behavior-escaped", r"a{beh\61vior:url(https://fonts.example.com/x.htc)}",
     "the behavior property is not allowed"),
    ("moz-binding", "a{-moz-binding:url(https://fonts.example.com/x.xml#x)}",
     "the -moz-binding property is not allowed"),
    ("progid", "a{filter:progid:DXImageTransform.Microsoft.Alpha(opacity=50)}",
     "progid is not allowed"),
    ("close-style", "</style><script>alert(1)</script>", "line 1: this is not valid CSS"),
    ("close-style-selector", "a{}\n</style><script>alert(1)</script>{}",
     "line 2: < is not allowed in a selector"),
    ("close-style-in-string", 'a{content:"</style><script>alert(1)</script>"}',
     "< is not allowed"),
    ("close-style-escaped", r'a{content:"\3c/style>"}', "< is not allowed"),
    ("close-style-in-condition", "@media (width </style) {a{}}",
     "The custom CSS may not contain </."),
    ("html-comment-open", "<!-- a{} -->", "line 1: <!-- is not allowed"),
    ("html-comment-close", "a{color:red}\n-->", "line 2: --> is not allowed"),
    ("charset", '@charset "utf-7";\na{}', "line 1: @charset is not allowed"),
    ("namespace", "@namespace svg url(https://fonts.example.com/);", "@namespace is not allowed"),
    ("page", "@page { margin: 0 }", "@page is not allowed"),
    ("unclosed-brace", "a {\n  color: red;\n\nb { color: blue }",
     "line 1: this { is never closed"),
    ("unclosed-paren", "a{b:rgb(1 2 3}", "line 1: this ( is never closed"),
    ("stray-brace", "a{}\n}\nb{}", "line 2: } has no matching opening bracket"),
    ("unclosed-comment", "a{}\n/* b{}", "line 2: this comment is never closed"),
    ("unclosed-string", 'a{content:"x\n}', "line 1: this is not valid CSS"),
    ("bad-declaration", "a {\n  color red;\n}", "line 2: this is not valid CSS"),
    ("selector-semicolon", "a;b{c:d}", "line 1: ; is not allowed in a selector"),
    ("rule-without-block", "a{} b", "line 1: this is not valid CSS"),
    ("font-face-nested", "@font-face { a { b: c } }", "rules are not allowed inside @font-face"),
    ("too-deep", "a{b:" + "f(" * 50 + ")" * 50 + "}", "brackets are nested too deeply"),
]


@pytest.mark.parametrize("css, message", [case[1:] for case in ATTACKS],
                         ids=[case[0] for case in ATTACKS])
def test_attacks_are_refused_with_the_line_and_the_reason(css, message):
    with pytest.raises(AppearanceError) as refused:
        check_css(css, HOSTS)
    assert message in str(refused.value)


def test_oversized_input_is_refused_before_parsing():
    css = "a { color: red; }\n" * (MAX_BYTES // 18 + 1)
    with pytest.raises(AppearanceError, match=r"is 101 KB; at most 100 KB are allowed"):
        check_css(css, HOSTS)


def test_the_size_limit_counts_utf8_bytes():
    css = 'a{content:"' + "é" * (MAX_BYTES // 2) + '"}'  # fewer characters than the limit
    with pytest.raises(AppearanceError, match="at most 100 KB"):
        check_css(css, HOSTS)


ACCEPTED = [
    ("plain", "a{color:red}", "a {\n  color: red;\n}\n"),
    ("whitespace and comments",
     "/* brand */\n.card  >  a:hover ,\n.x{ color : #123  !important ; margin:0   auto }",
     ".card > a:hover , .x {\n  color: #123 !important;\n  margin: 0 auto;\n}\n"),
    ("escapes decoded", r".\31 0x{c\6flor:r\65 d}", ".\\31 0x {\n  color: red;\n}\n"),
    ("media", "@media (max-width: 600px) and (width < 900px) { .nav { display: none } }",
     "@media (max-width: 600px) and (width < 900px) {\n  .nav {\n    display: none;\n  }\n}\n"),
    ("font import", '@import url("https://fonts.example.com/css2?family=Inter");\n'
     "body { font-family: Inter, sans-serif }",
     '@import url("https://fonts.example.com/css2?family=Inter");\n'
     "body {\n  font-family: Inter, sans-serif;\n}\n"),
    ("font face", "@font-face{font-family:Brand;"
     "src:url(https://FONTS.example.com./b.woff2) format('woff2')}",
     "@font-face {\n  font-family: Brand;\n"
     '  src: url(https://FONTS.example.com./b.woff2) format("woff2");\n}\n'),
    ("data png", f".logo{{background:url({PNG}) no-repeat}}",
     f".logo {{\n  background: url({PNG}) no-repeat;\n}}\n"),
    ("image-set", f'.hero{{background-image:image-set("{PNG}" 1x, '
     'url(https://fonts.example.com/h.webp) 2x type("image/webp"))}',
     f'.hero {{\n  background-image: image-set("{PNG}" 1x, '
     'url(https://fonts.example.com/h.webp) 2x type("image/webp"));\n}\n'),
    ("svg filter reference", ".x{filter:url(#blur)}", ".x {\n  filter: url(#blur);\n}\n"),
    ("keyframes", "@keyframes spin{from{transform:rotate(0)}to{transform:rotate(1turn)}}",
     "@keyframes spin {\n  from {\n    transform: rotate(0);\n  }\n"
     "  to {\n    transform: rotate(1turn);\n  }\n}\n"),
    ("layers and nesting", "@layer base;\n@layer base{.b{color:red;&:hover{color:blue}}}",
     "@layer base;\n@layer base {\n  .b {\n    color: red;\n    &:hover {\n"
     "      color: blue;\n    }\n  }\n}\n"),
    ("supports", "@supports (display:grid){.g{display:grid}}",
     "@supports (display:grid) {\n  .g {\n    display: grid;\n  }\n}\n"),
    ("custom property", ".a{--Brand-Color:#0a5;color:var(--Brand-Color)}",
     ".a {\n  --Brand-Color: #0a5;\n  color: var(--Brand-Color);\n}\n"),
    ("attribute selector", 'a[href^="https:"]{color:red}',
     'a[href^="https:"] {\n  color: red;\n}\n'),
    ("empty", "  /* nothing yet */  ", ""),
]


@pytest.mark.parametrize("css, expected", [case[1:] for case in ACCEPTED],
                         ids=[case[0] for case in ACCEPTED])
def test_ordinary_css_comes_back_normalized(css, expected):
    assert check_css(css, HOSTS) == expected


def test_output_checks_again_unchanged():
    css = check_css(ACCEPTED[4][1] + ACCEPTED[7][1], HOSTS)
    assert check_css(css, HOSTS) == css


def test_a_wildcard_entry_allows_subdomains_only():
    assert "x.y.cdn.example.org" in check_css("a{b:url(https://x.y.cdn.example.org/i)}", HOSTS)
    assert "a.cdn.example.org" in check_css("a{b:url(//a.cdn.example.org/i)}", HOSTS)
    with pytest.raises(AppearanceError, match="loads from cdn.example.org"):
        check_css("a{b:url(https://cdn.example.org/i)}", HOSTS)


def test_unusable_allowlist_entries_allow_nothing():
    assert host_patterns([" Fonts.Example.COM. ", "*.cdn.example.org", "*", "*.com",
                          "https://x.example", "bad host", "%2e.example"]) == (
        frozenset({"fonts.example.com"}), (".cdn.example.org",))
    with pytest.raises(AppearanceError, match="not an allowlisted domain"):
        check_css("a{b:url(https://x.example/i)}", ["*", "https://x.example"])


def test_messages_go_through_the_given_gettext():
    german = {"line %(line)d: @%(name)s is not allowed": "Zeile %(line)d: @%(name)s ist "
                                                        "nicht erlaubt"}
    with pytest.raises(AppearanceError, match="^Zeile 1: @page ist nicht erlaubt$"):
        check_css("@page{}", [], gettext=german.__getitem__)
