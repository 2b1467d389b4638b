"""Reading a citizen's rating out of their reply to a resolved ticket."""

import re

from tickets.post_text import without_leading_mentions

# "5", "4/5", "3 out of 5", "rating: 2", "⭐⭐⭐⭐", Devanagari digits ("४"), after any @mentions.
_RATING = re.compile(
    r"^\s*(?:(?:rating|rate|rated|my rating|रेटिंग)\s*[:=-]?\s*)?([1-5१-५])(?:\s*(?:/|out of|में से)\s*[5५])?"
    # "2 days later, still broken" is a complaint, not a rating.
    r"(?![\d.])(?!\s*(?:days?|hours?|hrs?|weeks?|months?|mins?|minutes?|din|दिन|घंटे|महीने)\b)",
    re.IGNORECASE,
)
_STARS = re.compile(r"^\s*([⭐★]{1,5})(?![⭐★])")
_DEVANAGARI_DIGITS = str.maketrans("१२३४५", "12345")

# A rating at or below this opens an appeal to the next level up, as CPGRAMS does.
APPEAL_AT_OR_BELOW = 2


def rating_from_text(text: str) -> tuple[int, str] | None:
    """(rating 1-5, the rest of the text as a comment), or None when the reply is not a rating."""
    body = without_leading_mentions(text)
    match = _RATING.match(body)
    if match:
        return int(match.group(1).translate(_DEVANAGARI_DIGITS)), body[match.end() :].strip(" .,:-!")
    match = _STARS.match(body)
    if match:
        return len(match.group(1)), body[match.end() :].strip(" .,:-!")
    return None
