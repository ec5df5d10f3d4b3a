"""Appearance > Accent colour: WCAG contrast, tokens that always pass, refusals."""

import colorsys
import re

import pytest

from config import ROOT
from portal.appearance import AppearanceError
from portal.appearance.colors import (
    BACKGROUNDS,
    FOCUS,
    HOVER,
    NEAR_BLACK,
    ON_PRIMARY,
    PRIMARY,
    SCHEMES,
    TOKEN_NAMES,
    WHITE,
    ContrastError,
    contrast,
    css_block,
    parse_hex,
    scheme_tokens,
    tokens,
)

ACCENTS = {
    "very light yellow": "#ffff99",
    "pure yellow": "#ffff00",
    "mid blue": "#1f6feb",
    "dark navy": "#001f3f",
    "pure red": "#ff0000",
    "black": "#000000",
    "white": "#ffffff",
    "mid grey": "#808080",
    "portal blue": "#1f4fc4",
}
STYLESHEET = ROOT / "themes" / "default" / "static" / "portal.css"


def every_pair(found: dict, scheme: str):
    """The pairs the stylesheet makes, written out here rather than taken from the module."""
    for name, bg in BACKGROUNDS[scheme].items():
        yield f"primary on {name}", found[PRIMARY], bg, 4.5
        yield f"hover on {name}", found[HOVER], bg, 4.5
        yield f"focus on {name}", found[FOCUS], bg, 3.0
    yield "text on primary", found[ON_PRIMARY], found[PRIMARY], 4.5
    yield "text on hover", found[ON_PRIMARY], found[HOVER], 4.5


def assert_all_pass(found: dict, scheme: str):
    low = [(label, round(contrast(fg, bg), 2)) for label, fg, bg, needed
           in every_pair(found, scheme) if contrast(fg, bg) < needed]
    assert not low, f"{scheme}: {low}"


def lightness(colour: str) -> float:
    return colorsys.rgb_to_hls(*(c / 255 for c in parse_hex(colour)))[1]


def hue(colour: str) -> float:
    return colorsys.rgb_to_hls(*(c / 255 for c in parse_hex(colour)))[0]


# WCAG contrast


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("#000000", "#ffffff", 21.0),
    ("#ffffff", "#000000", 21.0),
    ("#777777", "#ffffff", 4.48),
    ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
    ("#ff0000", "#ffffff", 4.0),
    ("#0000ff", "#ffffff", 8.59),
    ("#123456", "#123456", 1.0),
])
def test_contrast_matches_known_wcag_ratios(a, b, expected):
    assert contrast(a, b) == pytest.approx(expected, abs=0.01)


def test_contrast_takes_rgb_tuples_too():
    assert contrast((0, 0, 0), "#FFFFFF") == pytest.approx(21.0)


# Parsing


def test_parse_hex_reads_either_case():
    assert parse_hex("#1f4fc4") == (31, 79, 196)
    assert parse_hex("#1F4FC4") == (31, 79, 196)


@pytest.mark.parametrize("value", [
    "#fff", "fff000", "#ff00000", "#gg0000", " #ff0000", "#ff0000 ", "#ff0000\n",
    "", "red", "rgb(255, 0, 0)", "#ff00 0", "##ff000", None, 0xff0000, ("#ff0000",),
])
def test_parse_hex_refuses_anything_else(value):
    with pytest.raises(AppearanceError, match="six hexadecimal digits"):
        parse_hex(value)


def test_a_long_bad_value_is_shortened_in_the_message():
    with pytest.raises(AppearanceError) as caught:
        parse_hex("x" * 500)
    assert len(str(caught.value)) < 120


def test_tokens_refuse_a_bad_accent():
    with pytest.raises(AppearanceError):
        tokens("#12345")
    with pytest.raises(AppearanceError):
        tokens("#1f4fc4", dark_accent="blue")


# The stylesheet's backgrounds


def declarations(block: str) -> dict:
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+?)\s*;", block))


def stylesheet_schemes() -> dict:
    css = STYLESHEET.read_text(encoding="utf-8")
    light = re.search(r"^:root\s*{(.*?)}", css, re.S | re.M)
    dark = re.search(r"prefers-color-scheme:\s*dark\)\s*{\s*:root[^{]*{(.*?)}", css, re.S)
    forced = re.search(r'^:root\[data-theme="dark"\]\s*{(.*?)}', css, re.S | re.M)
    assert light and dark and forced, "portal.css no longer has its light and dark blocks"
    # the dark block and the one a dark theme forces hold the same colours
    assert declarations(forced.group(1)) == declarations(dark.group(1))
    return {"light": declarations(light.group(1)), "dark": declarations(dark.group(1))}


def test_background_constants_match_the_stylesheet():
    css = stylesheet_schemes()
    for scheme in SCHEMES:
        assert BACKGROUNDS[scheme] == {name: css[scheme][name] for name in BACKGROUNDS[scheme]}
    assert css["light"][ON_PRIMARY] == WHITE
    assert css["dark"][ON_PRIMARY] == NEAR_BLACK


def test_the_stylesheets_own_accents_pass_as_they_are():
    css = stylesheet_schemes()
    found = tokens(css["light"][PRIMARY], adjust=False, dark_accent=css["dark"][PRIMARY])
    assert found["light"][PRIMARY] == css["light"][PRIMARY]
    assert found["dark"][PRIMARY] == css["dark"][PRIMARY]
    assert found["light"][ON_PRIMARY] == css["light"][ON_PRIMARY]
    assert found["dark"][ON_PRIMARY] == css["dark"][ON_PRIMARY]
    assert found["adjusted"] == {"light": False, "dark": False}


# Derived tokens


@pytest.mark.parametrize("accent", ACCENTS.values(), ids=ACCENTS.keys())
def test_every_pair_passes_in_both_schemes(accent):
    found = tokens(accent)
    assert set(found) == {"light", "dark", "adjusted"}
    for scheme in SCHEMES:
        assert tuple(found[scheme]) == TOKEN_NAMES
        assert all(re.fullmatch(r"#[0-9a-f]{6}", v) for v in found[scheme].values())
        assert found[scheme][ON_PRIMARY] in (WHITE, NEAR_BLACK)
        assert found[scheme][HOVER] != found[scheme][PRIMARY]
        assert_all_pass(found[scheme], scheme)


@pytest.mark.parametrize(("accent", "light", "dark"), [
    ("#ffff99", True, False),  # very light yellow: unreadable on white, fine on dark
    ("#1f6feb", True, True),  # mid blue: a little light for white, too dark for dark
    ("#001f3f", False, True),  # dark navy
    ("#ff0000", True, True),  # pure red: 4.0 on white
    ("#1f4fc4", False, True),
    ("#8cb4ff", True, False),
])
def test_adjusted_says_which_scheme_moved_the_accent(accent, light, dark):
    found = tokens(accent)
    assert found["adjusted"] == {"light": light, "dark": dark}
    for scheme, moved in (("light", light), ("dark", dark)):
        assert (found[scheme][PRIMARY] != accent) is moved


def test_an_accent_that_passes_is_kept_in_any_case():
    found = tokens("#1F4FC4", dark_accent="#8CB4FF")
    assert found["light"][PRIMARY] == "#1f4fc4"
    assert found["dark"][PRIMARY] == "#8cb4ff"
    assert found["adjusted"] == {"light": False, "dark": False}


@pytest.mark.parametrize("accent", ["#ffff99", "#1f6feb", "#ff0000", "#001f3f"])
def test_adjustment_darkens_for_light_and_lightens_for_dark_keeping_hue(accent):
    found = tokens(accent)
    if found["adjusted"]["light"]:
        assert lightness(found["light"][PRIMARY]) < lightness(accent)
        assert hue(found["light"][PRIMARY]) == pytest.approx(hue(accent), abs=0.01)
    if found["adjusted"]["dark"]:
        assert lightness(found["dark"][PRIMARY]) > lightness(accent)
        assert hue(found["dark"][PRIMARY]) == pytest.approx(hue(accent), abs=0.01)


@pytest.mark.parametrize(("accent", "scheme"), [("#ffff00", "light"), ("#1f4fc4", "dark"),
                                                ("#ff0000", "light"), ("#ff0000", "dark")])
def test_adjustment_stops_at_the_nearest_passing_colour(accent, scheme):
    """Half a percent of lightness back towards the accent (more than 8-bit rounding
    moves it), some pair fails again."""
    primary = scheme_tokens(accent, scheme)[PRIMARY]
    h, _, s = colorsys.rgb_to_hls(*(c / 255 for c in parse_hex(accent)))
    step = 0.005 if scheme == "light" else -0.005
    back = colorsys.hls_to_rgb(h, lightness(primary) + step, s)
    back_hex = "#" + "".join(f"{round(c * 255):02x}" for c in back)
    assert back_hex != primary
    with pytest.raises(ContrastError):
        scheme_tokens(back_hex, scheme, adjust=False)


def test_focus_ring_stays_nearer_the_accent_than_the_primary():
    """Red reaches 3:1 on the light backgrounds as it is, so the ring keeps it."""
    found = tokens("#ff0000")
    assert found["light"][FOCUS] == "#ff0000"
    assert found["light"][PRIMARY] != "#ff0000"


def test_text_on_accent_is_white_in_light_and_near_black_in_dark():
    found = tokens("#1f6feb")
    assert found["light"][ON_PRIMARY] == WHITE
    assert found["dark"][ON_PRIMARY] == NEAR_BLACK


def test_a_black_accent_gets_a_lighter_hover_in_light():
    found = tokens("#000000")["light"]
    assert found[PRIMARY] == "#000000"
    assert lightness(found[HOVER]) > 0


# Exact colours


def test_exact_colours_refuse_with_the_pair_and_the_measured_ratio():
    with pytest.raises(ContrastError) as caught:
        tokens("#ffff00", adjust=False)
    error = caught.value
    assert isinstance(error, AppearanceError)
    assert error.scheme == "light"
    assert error.needed == 4.5
    assert error.ratio == pytest.approx(contrast("#ffff00", "#f3f6fb"))
    assert error.foreground == PRIMARY
    assert error.background == "--color-surface"
    assert str(error) == ("Accent #ffff00 on the light surface has contrast 1.00:1; "
                          "at least 4.5:1 is needed.")


def test_exact_colours_name_the_dark_scheme_and_round_down():
    with pytest.raises(ContrastError) as caught:
        tokens("#1f4fc4", adjust=False)
    error = caught.value
    assert error.scheme == "dark"
    assert error.background == "--color-surface-strong"
    assert error.ratio == pytest.approx(contrast("#1f4fc4", "#223044"))
    assert str(error) == ("Accent #1f4fc4 on the dark strong surface has contrast "
                          "1.88:1; at least 4.5:1 is needed.")


def test_one_exact_accent_cannot_pass_both_schemes():
    """Text on the light strong surface needs a darker colour than text on the dark one
    allows, so exact colours need a dark accent of their own."""
    for accent in ("#1f4fc4", "#767676", "#8cb4ff", "#ff0000", "#000000", "#ffffff"):
        with pytest.raises(ContrastError):
            tokens(accent, adjust=False)


def test_exact_colours_are_kept_when_they_pass():
    found = tokens("#0b5cad", adjust=False, dark_accent="#ffd166")
    assert found["light"][PRIMARY] == found["light"][FOCUS] == "#0b5cad"
    assert found["dark"][PRIMARY] == found["dark"][FOCUS] == "#ffd166"
    for scheme in SCHEMES:
        assert_all_pass(found[scheme], scheme)


def test_scheme_tokens_refuses_an_unknown_scheme():
    with pytest.raises(ValueError):
        scheme_tokens("#1f4fc4", "sepia")


# CSS


def test_css_block_renders_one_declaration_per_token():
    found = tokens("#1f4fc4")["light"]
    block = css_block(found)
    assert block.splitlines() == [f"{name}: {found[name]};" for name in TOKEN_NAMES]


def test_css_block_checks_what_it_writes():
    with pytest.raises(AppearanceError):
        css_block({PRIMARY: "red; } body { display: none"})
    with pytest.raises(ValueError):
        css_block({"--color-primary; } body {": "#ffffff"})


def test_refusals_speak_the_request_language(app):
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("de_DE"):
        with pytest.raises(ContrastError) as caught:
            scheme_tokens("#ffff00", "light", adjust=False)
        with pytest.raises(AppearanceError) as malformed:
            parse_hex("#fff")
    assert str(caught.value) == ("Akzentfarbe #ffff00 auf der hellen Fläche hat einen "
                                 "Kontrast von 1.00:1; mindestens 4.5:1 sind nötig.")
    assert "Hexadezimalziffern" in str(malformed.value)
