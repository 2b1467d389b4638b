"""How long a post is on X, and splitting a reply that is too long into a numbered thread."""

import re
import unicodedata

# X_API.md 6: a post holds 280 weighted characters.
POST_LIMIT = 280
URL_WEIGHT = 23


# Code points X weighs 1 (twitter-text's ranges, narrowed to Latin and punctuation: X_API.md 6 gives
# no weight for Devanagari, so it counts 2 here, like emoji and everything else). Counting too much
# only costs an extra post in a thread; counting too little gets the post refused.
_LIGHT_RANGES = ((0x0000, 0x024F), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
# Anything X may turn into a t.co link: with a scheme, www., or a bare domain. A false match is
# counted as at least 23, so it is never counted lighter than X counts it.
_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}\b(?:/\S*)?",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"(\s*)(\S+)")
# A word that ends a sentence: . ! ? … or the Devanagari danda, maybe followed by quotes or brackets.
_SENTENCE_END_RE = re.compile(r"[.!?…।॥][\"'”’)\]]*$")
_JOINERS = frozenset({"\u200c", "\u200d"})


def _char_weight(char: str) -> int:
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in _LIGHT_RANGES) else 2


def weighted_length(text: str) -> int:
    """The length of `text` as X counts it, or more (never less): NFC, URLs 23, non-Latin 2."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for match in _URL_RE.finditer(text):
        total += sum(_char_weight(char) for char in text[position : match.start()])
        total += max(URL_WEIGHT, sum(_char_weight(char) for char in match.group()))
        position = match.end()
    return total + sum(_char_weight(char) for char in text[position:])


def _hard_split(word: str, budget: int) -> list[str]:
    """A word longer than a post, in pieces of at most `budget`, never cut before a combining mark."""
    pieces, start = [], 0
    while start < len(word):
        end, weight = start, 0
        while end < len(word) and weight + _char_weight(word[end]) <= budget:
            weight += _char_weight(word[end])
            end += 1
        while end - start > 1 and weighted_length(word[start:end]) > budget:  # a URL inside counts 23
            end -= 1
        cut = end
        while start + 1 < cut < len(word) and (unicodedata.category(word[cut])[0] == "M" or word[cut] in _JOINERS):
            cut -= 1
        pieces.append(word[start:cut])
        start = cut
    return pieces


def _pack(text: str, budget: int) -> list[str]:
    """Whole sentences per post where they fit, else whole words, else pieces of a word."""
    sentences: list[list[tuple[str, str]]] = [[]]
    for match in _WORD_RE.finditer(text):
        sentences[-1].append((match.group(1), match.group(2)))
        if _SENTENCE_END_RE.search(match.group(2)):
            sentences.append([])
    parts: list[str] = []
    current, weight = "", 0

    def flush() -> None:
        nonlocal current, weight
        if current:
            parts.append(current)
        current, weight = "", 0

    def add(separator: str, piece: str, piece_weight: int) -> None:
        nonlocal current, weight
        if current:
            current, weight = current + separator + piece, weight + weighted_length(separator) + piece_weight
        else:
            current, weight = piece, piece_weight

    for sentence in filter(None, sentences):
        whole = "".join(separator + word for separator, word in sentence)[len(sentence[0][0]) :]
        whole_weight = weighted_length(whole)
        if current and weight + weighted_length(sentence[0][0]) + whole_weight <= budget:
            add(sentence[0][0], whole, whole_weight)
            continue
        if whole_weight <= budget:
            flush()
            add("", whole, whole_weight)
            continue
        for separator, word in sentence:
            word_weight = weighted_length(word)
            if current and weight + weighted_length(separator) + word_weight <= budget:
                add(separator, word, word_weight)
            elif word_weight <= budget:
                flush()
                add("", word, word_weight)
            else:
                flush()
                *whole_pieces, last = _hard_split(word, budget)
                parts.extend(whole_pieces)
                add("", last, weighted_length(last))
    flush()
    return parts


def reply_thread_parts(text: str, *, limit: int = POST_LIMIT) -> list[str]:
    """The posts a reply needs. A reply that fits is one post, as written (NFC, trimmed); a longer
    one is a thread split at sentence (else word) boundaries, each post ending " (k/n)", each within
    `limit` as weighted_length counts. Empty text gives no parts."""
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        return []
    if weighted_length(text) <= limit:
        return [text]
    digits = 1
    while True:
        # " (k/n)" with k and n of `digits` digits at most.
        bodies = _pack(text, limit - (4 + 2 * digits))
        if len(bodies) < 10**digits:
            return [f"{body} ({number}/{len(bodies)})" for number, body in enumerate(bodies, start=1)]
        digits += 1


# The @mentions X puts at the start of a reply.
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+)+\s*")


def without_leading_mentions(text: str) -> str:
    """A post's own words: its text without the @mentions it starts with."""
    return _LEADING_MENTIONS.sub("", text, count=1)
