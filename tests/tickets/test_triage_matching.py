"""Triage cues find a complaint whatever its script, spelling and punctuation, and only there."""

import pytest

from tickets.triage.matching import Cue, CueMatcher, text_normalise, word_key

MONEY_DEDUCTED = ["पैसे कट गए", "paise kat gaye", "amount debited", "deduct"]
NO_SERVICE = ["no signal", "नेटवर्क नहीं", "network nahi", "net band hai"]


@pytest.fixture(scope="module")
def matcher() -> CueMatcher:
    cues = [Cue(phrase, "money_deducted") for phrase in MONEY_DEDUCTED]
    cues += [Cue(phrase, "no_service") for phrase in NO_SERVICE]
    return CueMatcher(cues)


def found(matcher: CueMatcher, text: str) -> set[str]:
    return {cue.value for cue in matcher.matches(text)}


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("PLZZZ Help!!!", "plz help"),
        ("Nooo signal...since १० दिन", "no signal since 10 दिन"),
        ("net-band hai, @BSNLCorporate #BSNLSeva https://t.co/abc", "net band hai bsnlcorporate bsnlseva"),
        ("good  kutta", "good kutta"),  # two of a letter stay two
    ],
)
def test_text_is_normalised_for_case_punctuation_repeats_digits_and_links(raw, normalised):
    assert text_normalise(raw) == normalised


@pytest.mark.parametrize(
    ("devanagari", "latin"),
    [("पैसे", "paisa"), ("कट", "katt"), ("गए", "gaye"), ("नहीं", "nahi"), ("बंद", "band"), ("नेटवर्क", "network")],
)
def test_both_scripts_of_a_hindi_word_share_a_sound_key(devanagari, latin):
    assert word_key(devanagari) == word_key(latin) != ""


@pytest.mark.parametrize(
    "text",
    [
        "Sir mere paisee katt gaye!!! plzzz help",
        "मेरे पैसे कट गए हैं",
        "paisa kat gaya recharge ke baad",
        "Amount DEBITED twice from my account",
        "₹500 deducted without any reason",
    ],
)
def test_money_deducted_in_english_hindi_and_romanised_hindi(matcher, text):
    assert found(matcher, text) == {"money_deducted"}


@pytest.mark.parametrize(
    "text",
    [
        "No   signal since 10 days #BSNLSeva",
        "bhai net band hai 3 din se",
        "नेट बंद है",
        "network nahi aa raha",
        "नेटवर्क नहीं है १० दिन से",
    ],
)
def test_no_service_in_english_hindi_and_romanised_hindi(matcher, text):
    assert found(matcher, text) == {"no_service"}


@pytest.mark.parametrize(
    "text",
    ["Thank you BSNL for the quick fix", "What is the new broadband plan?", "kat gaye", "my kite got cut"],
)
def test_unrelated_text_and_fragments_of_a_cue_match_nothing(matcher, text):
    assert found(matcher, text) == set()


def test_a_cue_matches_its_words_in_a_row_only(matcher):
    assert found(matcher, "amount was not debited") == set()
    assert found(matcher, "debited amount") == set()


def test_matches_come_back_once_each_in_rule_order():
    first, second = Cue("no signal", 1), Cue("signal", 2)
    matches = CueMatcher([first, second]).matches("signal gone, no signal, no signal at all")
    assert matches == [first, second]
