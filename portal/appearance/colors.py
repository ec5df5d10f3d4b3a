"""Appearance > Accent colour: the portal's colour tokens derived from one accent colour,
for the light and the dark scheme, so that every text/background pair they make reaches
WCAG AA contrast (4.5:1 for text, 3:1 for the focus ring).

Where the tokens are used (themes/default/static/portal.css): `--color-primary` is link
and secondary-button text on `--color-bg`, `--color-surface` and `--color-surface-strong`,
and the background of buttons, badges and avatars under `--color-primary-contrast` text;
`--color-primary-hover` is the same on hover (a hovered link is text on the background);
`--color-focus` is the focus outline drawn next to any of the backgrounds.

A failing accent is moved in HSL lightness with hue and saturation kept: darker in the
light scheme, lighter in the dark one, in steps of 0.001, to the first colour that passes.
Black passes on the light backgrounds and white on the dark ones, so that search always
ends; with `adjust=False` ("exact colours") a failing accent is refused with the measured
ratio instead. No single exact accent can pass both schemes (text on the light strong
surface needs a luminance below 0.15, on the dark one above 0.30), so `tokens` takes an
optional second accent for the dark scheme.

The functions know nothing of requests or the database; messages go through
Flask-Babel's `gettext`, which answers in English outside a request.
"""

import colorsys
import math
import re

from flask_babel import gettext as _

from portal.appearance import AppearanceError

SCHEMES = ("light", "dark")
PRIMARY = "--color-primary"
HOVER = "--color-primary-hover"
ON_PRIMARY = "--color-primary-contrast"
FOCUS = "--color-focus"
TOKEN_NAMES = (PRIMARY, HOVER, ON_PRIMARY, FOCUS)

TEXT_AA = 4.5  # WCAG 2.x 1.4.3, normal text
NON_TEXT_AA = 3.0  # WCAG 2.x 1.4.11, focus indicators and control boundaries

# The backgrounds the tokens meet, as themes/default/static/portal.css sets them: its
# `:root` block (light) and the `:root` block under `@media (prefers-color-scheme: dark)`.
# tests/unit/test_appearance_colors.py reads the stylesheet and fails when they differ.
BACKGROUNDS = {
    "light": {"--color-bg": "#ffffff", "--color-surface": "#f3f6fb",
              "--color-surface-strong": "#e4ebf7"},
    "dark": {"--color-bg": "#0f1419", "--color-surface": "#18202a",
             "--color-surface-strong": "#223044"},
}
# Text on the accent: white or near-black, the `--color-primary-contrast` values of the
# same two blocks of portal.css.
WHITE = "#ffffff"
NEAR_BLACK = "#0b1220"
TEXT_ON_ACCENT = (WHITE, NEAR_BLACK)

# Which way a failing accent moves in HSL lightness: away from its scheme's backgrounds.
DIRECTION = {"light": -1, "dark": 1}
STEPS = 1000  # lightness steps from 0 to 1
COARSE = 10  # steps taken at once while searching
HOVER_SHIFT = 0.08  # lightness between the accent and its hover colour

HEX = re.compile(r"#[0-9a-fA-F]{6}")
_LUMINANCE: dict[tuple[int, int, int], float] = {}


class ContrastError(AppearanceError):
    """A pair of colours below its WCAG AA ratio: `ratio` as measured, `needed` the least
    allowed, `scheme`, `foreground` and `background` name the pair (token names)."""

    def __init__(self, message: str, *, ratio: float, needed: float, scheme: str,
                 foreground: str, background: str):
        super().__init__(message)
        self.ratio = ratio
        self.needed = needed
        self.scheme = scheme
        self.foreground = foreground
        self.background = background


def parse_hex(value) -> tuple[int, int, int]:
    """`#rrggbb` (either case) as (r, g, b) in 0..255. Anything else, short forms, names,
    `rgb()` and surrounding spaces included, raises AppearanceError: the form that takes
    the colour strips and offers a picker; here a colour is exact or refused."""
    if not isinstance(value, str) or not HEX.fullmatch(value):
        shown = value if isinstance(value, str) else type(value).__name__
        if len(shown) > 20:
            shown = shown[:19] + "…"
        raise AppearanceError(_("A colour is written as # and six hexadecimal digits, "
                                "like #1f4fc4; “%(value)s” is not.", value=shown))
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def to_hex(rgb: tuple[int, int, int]) -> str:
    """(r, g, b) in 0..255 as lowercase `#rrggbb`."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def luminance(colour) -> float:
    """WCAG 2.x relative luminance of `#rrggbb` or (r, g, b), 0 (black) to 1 (white).
    The sRGB threshold is 0.04045 (WCAG 2.x's 0.03928 gives the same result for every
    8-bit value)."""
    rgb = parse_hex(colour) if isinstance(colour, str) else tuple(colour)
    found = _LUMINANCE.get(rgb)
    if found is None:
        r, g, b = (_linear(channel / 255) for channel in rgb)
        found = _LUMINANCE[rgb] = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return found


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def contrast(a, b) -> float:
    """WCAG 2.x contrast ratio of two colours (`#rrggbb` or (r, g, b)), 1 to 21, the same
    whichever is given first."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def pairs(colours: dict, scheme: str) -> list[tuple[str, str, str, str, float]]:
    """Every pair the tokens make in `scheme` as (foreground token, background token,
    foreground, background, least ratio), in the order their failures are looked at."""
    found = []
    for fg_name in (PRIMARY, HOVER, FOCUS):
        needed = NON_TEXT_AA if fg_name == FOCUS else TEXT_AA
        for bg_name, bg in BACKGROUNDS[scheme].items():
            found.append((fg_name, bg_name, colours[fg_name], bg, needed))
    for bg_name in (PRIMARY, HOVER):
        found.append((ON_PRIMARY, bg_name, colours[ON_PRIMARY], colours[bg_name], TEXT_AA))
    return found


def worst_pair(colours: dict, scheme: str):
    """The pair furthest below its least ratio as (pair, measured ratio), or None when
    every pair passes."""
    worst, worst_share = None, 1.0
    for pair in pairs(colours, scheme):
        ratio = contrast(pair[2], pair[3])
        if ratio / pair[4] < worst_share:
            worst, worst_share = (pair, ratio), ratio / pair[4]
    return worst


def tokens(accent: str, *, adjust: bool = True, dark_accent: str | None = None) -> dict:
    """The four colour tokens for both schemes from the admin's accent (and optionally a
    separate accent for the dark scheme):

        {"light": {"--color-primary": "#rrggbb", "--color-primary-hover": ...,
                   "--color-primary-contrast": ..., "--color-focus": ...},
         "dark": {...}, "adjusted": {"light": bool, "dark": bool}}

    `adjusted` says the primary colour of that scheme differs from the accent given. With
    `adjust=False` an accent that fails in a scheme raises ContrastError (see
    `scheme_tokens`); AppearanceError for a malformed colour."""
    given = {"light": accent, "dark": accent if dark_accent is None else dark_accent}
    result: dict = {"adjusted": {}}
    for scheme in SCHEMES:
        result[scheme] = scheme_tokens(given[scheme], scheme, adjust=adjust)
        result["adjusted"][scheme] = result[scheme][PRIMARY] != given[scheme].lower()
    return {"light": result["light"], "dark": result["dark"], "adjusted": result["adjusted"]}


def scheme_tokens(accent: str, scheme: str, *, adjust: bool = True) -> dict:
    """The four tokens for one scheme ("light" or "dark"). The focus ring is the accent
    moved only as far as 3:1 needs, so it stays nearer the brand colour than the primary.
    With `adjust=False` the accent is used as given for both, and a pair below its ratio
    raises ContrastError naming the pair furthest below, e.g. "Accent #1f4fc4 on the
    dark strong surface has contrast 1.88:1; at least 4.5:1 is needed."."""
    if scheme not in DIRECTION:
        raise ValueError(f"unknown colour scheme {scheme!r}")
    rgb = parse_hex(accent)
    if not adjust:
        found = _derive(rgb, rgb, scheme)
        _refuse_failing(found, scheme)
        return found
    backgrounds = tuple(BACKGROUNDS[scheme].values())
    focus = _nearest(rgb, scheme, lambda c: all(
        contrast(c, bg) >= NON_TEXT_AA for bg in backgrounds))
    primary = _nearest(rgb, scheme, lambda c: worst_pair(_derive(c, focus, scheme), scheme)
                       is None)
    found = _derive(primary, focus, scheme)
    _refuse_failing(found, scheme)  # only if the backgrounds above stop allowing black/white
    return found


def _refuse_failing(colours: dict, scheme: str) -> None:
    worst = worst_pair(colours, scheme)
    if worst is None:
        return
    (fg_name, bg_name, fg, bg, needed), ratio = worst
    shown = f"{math.floor(ratio * 100) / 100:.2f}"  # 4.499 never reads as 4.50
    least = f"{needed:g}"
    raise ContrastError(
        _("%(pair)s has contrast %(ratio)s:1; at least %(needed)s:1 is needed.",
          pair=_describe(fg_name, bg_name, fg, bg, scheme), ratio=shown,
          needed=least),
        ratio=ratio, needed=needed, scheme=scheme, foreground=fg_name, background=bg_name)


def _describe(fg_name: str, bg_name: str, fg: str, bg: str, scheme: str) -> str:
    if fg_name == ON_PRIMARY:
        if bg_name == PRIMARY:
            return _("Text %(text)s on accent %(colour)s", text=fg, colour=bg)
        return _("Text %(text)s on hover accent %(colour)s", text=fg, colour=bg)
    background = _background_name(bg_name, scheme)
    if fg_name == PRIMARY:
        return _("Accent %(colour)s on %(background)s", colour=fg, background=background)
    if fg_name == HOVER:
        return _("Hover accent %(colour)s on %(background)s", colour=fg,
                 background=background)
    return _("Focus ring %(colour)s on %(background)s", colour=fg, background=background)


def _background_name(bg_name: str, scheme: str) -> str:
    light = scheme == "light"
    if bg_name == "--color-bg":
        return _("the light background") if light else _("the dark background")
    if bg_name == "--color-surface":
        return _("the light surface") if light else _("the dark surface")
    return _("the light strong surface") if light else _("the dark strong surface")


def _derive(primary: tuple, focus: tuple, scheme: str) -> dict:
    """Tokens for a primary colour: hover moved HOVER_SHIFT further from the backgrounds
    (or back towards them when the primary is already black or white and that still
    passes), and whichever text colour contrasts more with both."""
    hover = _shifted(primary, DIRECTION[scheme] * HOVER_SHIFT)
    if _lightness_gap(primary, hover) < HOVER_SHIFT / 2:
        back = _shifted(primary, -DIRECTION[scheme] * HOVER_SHIFT)
        backgrounds = BACKGROUNDS[scheme].values()
        if all(contrast(back, bg) >= TEXT_AA for bg in backgrounds):
            hover = back
    text = max(TEXT_ON_ACCENT, key=lambda t: min(contrast(t, primary), contrast(t, hover)))
    return {PRIMARY: to_hex(primary), HOVER: to_hex(hover), ON_PRIMARY: text,
            FOCUS: to_hex(focus)}


def _nearest(rgb: tuple, scheme: str, passes) -> tuple:
    """The first colour from `rgb` on, moving in HSL lightness the scheme's way in steps
    of 1/STEPS, that `passes` (found in steps of ten, then one by one within the last ten);
    black or white (hue kept, which is the same) when none does before."""
    if passes(rgb):
        return rgb
    h, lightness, s = _hls(rgb)
    direction = DIRECTION[scheme]
    end = STEPS if direction > 0 else 0
    failing = round(lightness * STEPS)
    while failing != end:
        coarse = failing + direction * min(COARSE, abs(end - failing))
        if passes(_rgb(h, coarse / STEPS, s)):
            for step in range(failing + direction, coarse, direction):
                candidate = _rgb(h, step / STEPS, s)
                if passes(candidate):
                    return candidate
            return _rgb(h, coarse / STEPS, s)
        failing = coarse
    return _rgb(h, end / STEPS, s)


def _hls(rgb: tuple) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*(channel / 255 for channel in rgb))


def _rgb(h: float, lightness: float, s: float) -> tuple[int, int, int]:
    lightness = min(1.0, max(0.0, lightness))
    return tuple(round(channel * 255) for channel in colorsys.hls_to_rgb(h, lightness, s))


def _shifted(rgb: tuple, by: float) -> tuple[int, int, int]:
    h, lightness, s = _hls(rgb)
    return _rgb(h, lightness + by, s)


def _lightness_gap(a: tuple, b: tuple) -> float:
    return abs(_hls(a)[1] - _hls(b)[1])


def css_block(tokens_for_scheme: dict) -> str:
    """One scheme's tokens as CSS declarations, one `--name: #rrggbb;` line each, for the
    serving side to put inside its selector. Names and values are checked again, since
    the result goes into a stylesheet as is."""
    lines = []
    for name, value in tokens_for_scheme.items():
        if name not in TOKEN_NAMES:
            raise ValueError(f"not a colour token: {name[:40]!r}")
        lines.append(f"{name}: {to_hex(parse_hex(value))};\n")
    return "".join(lines)
