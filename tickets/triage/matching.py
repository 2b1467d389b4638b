"""Triage cues matched against a tweet's text, whatever its script and spelling.

Citizens write the same complaint as "paise kat gaye", "Paisee katt gaye!!!", "पैसे कट गए" or
"paisa kat gaya": a cue must find all of them. Two forms of each word are compared:

- the *normalised* word: NFKC, case-folded, Devanagari digits as Latin ones, punctuation gone,
  letters repeated three times or more ("plzzz", "nooo") once;
- its *sound key*, for cues long enough to be unambiguous: Devanagari transliterated to Latin
  letters, then vowels dropped (Hindi's inherent "a" and its matras are where romanisations
  disagree most), aspiration dropped (kh/k, bh/b), and letters that romanisations swap merged
  (v/w, z/j, f/ph, q/k), doubled letters once. "पैसे" and "paise" both key to "ps".

A cue is a phrase; it matches where its words appear in a row in the text, each word equal to
the text's or a prefix of it (so "deduct" finds "deducted"; only for words of 4 letters or
more, keys of 3 or more). Matching a prepared text against every cue is one pass over its words
with a dictionary lookup each, not a scan per cue: 13,000 tweets a day against hundreds of cues.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
# Runs of three or more of one letter: "plzzz" -> "plz"; two stay ("good", "kutta").
_REPEATED = re.compile(r"(\w)\1{2,}")
_URL = re.compile(r"https?://\S+")
# What makes a word: letters, combining marks (Devanagari matras and viramas) and digits.
_WORD_CATEGORIES = frozenset({"L", "M", "N"})

# Devanagari consonants (and nukta forms, decomposed first) as the Latin letters Hinglish uses.
# Vowels, matras, the virama and nasal marks are dropped in the key, so they need no entry.
_DEVANAGARI_CONSONANTS = {
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n",
    "च": "ch", "छ": "chh", "ज": "j", "झ": "jh", "ञ": "n",
    "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n",
    "त": "t", "थ": "th", "द": "d", "ध": "dh", "न": "n",
    "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m",
    "य": "y", "र": "r", "ल": "l", "व": "v", "श": "sh",
    "ष": "sh", "स": "s", "ह": "h", "ळ": "l",
}  # fmt: skip
_ANUSVARA = "\u0902"
_LATIN_VOWELS = frozenset("aeiouy")
# Letters that romanisations of one Hindi sound swap: merged in the key.
_KEY_MERGES = str.maketrans({"w": "v", "z": "j", "f": "p", "q": "k", "x": "k"})
_CONSONANTS_BEFORE_H = frozenset("bcdgjkpst")

# Below these lengths a prefix or a sound key finds too many unrelated words.
MIN_PREFIX_WORD = 4
MIN_PREFIX_KEY = 3
# A cue is matched by sound only when its key has this many letters in all: "kat" alone ("kt")
# would match "kit" and "cut"; "paise kat" ("ps kt") would not.
MIN_KEY_LETTERS = 4


class _WordCharacters(dict):
    """A str.translate table keeping word characters (Devanagari digits as Latin ones) and turning
    every other into a space, filled as characters are met: one C-level lookup per character
    instead of a unicodedata call (intake normalises every tweet twice: triage, surge detection)."""

    def __missing__(self, code: int) -> str:
        char = chr(DEVANAGARI_DIGITS.get(code, code))
        kept = char if unicodedata.category(char)[0] in _WORD_CATEGORIES else " "
        self[code] = kept
        return kept


_WORD_CHARACTERS = _WordCharacters()


def text_normalise(text: str) -> str:
    """The text as triage reads it: lower case, Latin digits, words separated by single spaces."""
    text = unicodedata.normalize("NFKC", _URL.sub(" ", text)).casefold()
    return " ".join(_REPEATED.sub(r"\1", text.translate(_WORD_CHARACTERS)).split())


# Tweets share most of their words: a word's key is worked out once per process, not once per tweet.
@lru_cache(maxsize=50_000)
def word_key(word: str) -> str:
    """The sound key of one normalised word (see the module's docstring); "" for a word of vowels."""
    latin = []
    chars = unicodedata.normalize("NFD", word)  # NFD splits a nukta off its consonant
    for index, char in enumerate(chars):
        if char == _ANUSVARA:
            # Before a consonant it is the "n" of "band" (बंद); at the end, only nasal ("nahi", नहीं).
            following = chars[index + 1] if index + 1 < len(chars) else ""
            latin.append("n" if following in _DEVANAGARI_CONSONANTS else "")
        elif "\u0900" <= char <= "\u097f":
            latin.append(_DEVANAGARI_CONSONANTS.get(char, ""))
        else:
            latin.append(char)
    letters = "".join(latin).translate(_KEY_MERGES)
    key: list[str] = []
    for index, char in enumerate(letters):
        if char in _LATIN_VOWELS:
            continue
        if char == "h" and index and letters[index - 1] in _CONSONANTS_BEFORE_H:
            continue  # aspiration: kh, bh, ch, sh, th ... as k, b, c, s, t
        if key and key[-1] == char:
            continue
        key.append(char)
    return "".join(key)


@dataclass(frozen=True, slots=True)
class PreparedText:
    words: tuple[str, ...]
    keys: tuple[str, ...]


def text_prepare(text: str) -> PreparedText:
    words = tuple(text_normalise(text).split())
    return PreparedText(words=words, keys=tuple(word_key(word) for word in words))


@dataclass(frozen=True, slots=True)
class Cue:
    """One phrase of a rule; `value` is what a match gives (a rule's id, a category...)."""

    phrase: str
    value: object
    words: tuple[str, ...] = field(init=False)
    keys: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        words = tuple(text_normalise(self.phrase).split())
        keys = tuple(word_key(word) for word in words)
        object.__setattr__(self, "words", words)
        # A key of no letters ("a", "ए") cannot anchor a match; a short key matches too widely.
        usable = all(keys) and sum(map(len, keys)) >= MIN_KEY_LETTERS
        object.__setattr__(self, "keys", keys if usable else ())


def _part_matches(cue_part: str, text_part: str, *, min_prefix: int) -> bool:
    return cue_part == text_part or (len(cue_part) >= min_prefix and text_part.startswith(cue_part))


def _index(cues: Iterable[Cue], attribute: str, min_prefix: int) -> dict[str, list[Cue]]:
    index: dict[str, list[Cue]] = {}
    for cue in cues:
        parts = getattr(cue, attribute)
        if parts:
            index.setdefault(parts[0], []).append(cue)
    return index


def _candidates(index: dict[str, list[Cue]], part: str, min_prefix: int) -> Iterable[Cue]:
    yield from index.get(part, ())
    for length in range(min_prefix, len(part)):
        yield from index.get(part[:length], ())


class CueMatcher:
    """Every cue of a rule set, indexed by its first word and first key."""

    def __init__(self, cues: Sequence[Cue]) -> None:
        self.cues = tuple(cues)
        self._position = {id(cue): position for position, cue in enumerate(self.cues)}
        self._by_word = _index(self.cues, "words", MIN_PREFIX_WORD)
        self._by_key = _index(self.cues, "keys", MIN_PREFIX_KEY)
        # The cues a word (or key) and the one after it can start, by the pair: tweets share most of
        # their words and pairs, so each pair is checked against the index once (prefixes too), not
        # once per tweet; only cues of three parts or more are checked further per text.
        self._word_pairs: dict[tuple[str, str | None], tuple[Cue, ...]] = {}
        self._key_pairs: dict[tuple[str, str | None], tuple[Cue, ...]] = {}

    @staticmethod
    def _starting(index, pairs, *, attribute: str, min_prefix: int, part: str, following: str | None):
        if len(pairs) > 50_000:  # a bound on memory (numbers and names make many pairs)
            pairs.clear()
        found = pairs[(part, following)] = tuple(
            cue
            for cue in _candidates(index, part, min_prefix)
            if len(getattr(cue, attribute)) == 1
            or (following is not None and _part_matches(getattr(cue, attribute)[1], following, min_prefix=min_prefix))
        )
        return found

    def matches(self, text: PreparedText | str) -> list[Cue]:
        """The cues found in the text, each once, in the order of the rule set."""
        prepared = text_prepare(text) if isinstance(text, str) else text
        found: set[int] = set()
        for attribute, index, min_prefix, pairs in (
            ("words", self._by_word, MIN_PREFIX_WORD, self._word_pairs),
            ("keys", self._by_key, MIN_PREFIX_KEY, self._key_pairs),
        ):
            parts = getattr(prepared, attribute)
            count = len(parts)
            for start, part in enumerate(parts):
                following = parts[start + 1] if start + 1 < count else None
                cues = pairs.get((part, following))
                if cues is None:
                    cues = self._starting(
                        index, pairs, attribute=attribute, min_prefix=min_prefix, part=part, following=following
                    )
                for cue in cues:
                    # Its first two parts match (that is how it was found): check any others.
                    cue_parts = getattr(cue, attribute)
                    if len(cue_parts) <= 2 or (
                        start + len(cue_parts) <= count
                        and all(
                            _part_matches(c, t, min_prefix=min_prefix)
                            for c, t in zip(cue_parts[2:], parts[start + 2 : start + len(cue_parts)], strict=True)
                        )
                    ):
                        found.add(id(cue))
        # In rule-set order, without walking the whole set for each text.
        return [self.cues[position] for position in sorted(self._position[cue_id] for cue_id in found)]
