"""The part of X's search and stream-rule query language that Seva Desk builds.

Supported: `@handle`, `#tag`, `from:handle`, `is:retweet`, `is:reply`, bare keywords and "quoted
phrases"; `OR`; implicit AND between terms; `-` negation; parentheses. Matching is case-insensitive,
as on X. Any other `operator:value` is rejected, so a query the fake cannot honour fails loudly
instead of matching nothing.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

# X's mention and hashtag syntax, used when a stored tweet carries no `entities` (older payloads).
MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,15})")
HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w+)")
_TOKEN_RE = re.compile(r'\s*(\(|\)|-(?=\()|"[^"]*"|[^\s()]+)')


class QuerySyntaxError(ValueError):
    """A query the fake cannot parse; the message is what X-style 400 responses carry."""


@dataclass(frozen=True, slots=True)
class TweetFacts:
    """What a query can ask about one tweet, lower-cased."""

    text: str
    author: str
    mentions: frozenset[str]
    hashtags: frozenset[str]
    is_retweet: bool
    is_reply: bool


Predicate = Callable[[TweetFacts], bool]


def tweet_facts(tweet: dict, author_username: str) -> TweetFacts:
    """Facts from entities where the tweet has them, else from its text (long posts: the note text too)."""
    note = tweet.get("note_tweet") or {}
    texts = [tweet.get("text", ""), note.get("text", "")]
    mentions = {m.lower() for text in texts for m in MENTION_RE.findall(text)}
    hashtags = {h.lower() for text in texts for h in HASHTAG_RE.findall(text)}
    for entities in (tweet.get("entities") or {}, note.get("entities") or {}):
        mentions |= {m.get("username", "").lower() for m in entities.get("mentions", [])}
        hashtags |= {h.get("tag", "").lower() for h in entities.get("hashtags", [])}
    references = {ref.get("type") for ref in tweet.get("referenced_tweets") or []}
    return TweetFacts(
        text=" ".join(texts).lower(),
        author=author_username.lower(),
        mentions=frozenset(mentions),
        hashtags=frozenset(hashtags),
        is_retweet="retweeted" in references,
        is_reply="replied_to" in references or "in_reply_to_user_id" in tweet,
    )


def parse_query(query: str) -> Predicate:
    tokens = _tokenize(query)
    if not tokens:
        raise QuerySyntaxError("query is empty")
    parser = _Parser(tokens)
    predicate = parser.disjunction()
    if parser.position != len(tokens):
        raise QuerySyntaxError(f"unexpected {tokens[parser.position]!r}")
    return predicate


def _tokenize(query: str) -> list[str]:
    tokens = []
    position = 0
    query = query.rstrip()
    while position < len(query):
        match = _TOKEN_RE.match(query, position)
        if match is None:
            raise QuerySyntaxError(f"cannot read the query at {query[position:]!r}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over: disjunction := conjunction (OR conjunction)*;
    conjunction := unary+; unary := -unary | ( disjunction ) | term."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def disjunction(self) -> Predicate:
        alternatives = [self.conjunction()]
        while self._peek() == "OR":
            self.position += 1
            alternatives.append(self.conjunction())
        if len(alternatives) == 1:
            return alternatives[0]
        return lambda facts: any(alternative(facts) for alternative in alternatives)

    def conjunction(self) -> Predicate:
        parts = []
        while self._peek() not in (None, ")", "OR"):
            parts.append(self.unary())
        if not parts:
            raise QuerySyntaxError(f"expected a term, found {self._peek() or 'the end'!r}")
        if len(parts) == 1:
            return parts[0]
        return lambda facts: all(part(facts) for part in parts)

    def unary(self) -> Predicate:
        token = self.tokens[self.position]
        self.position += 1
        if token == "-":  # noqa: S105 (a query token, not a password)
            negated = self.unary()
            return lambda facts: not negated(facts)
        if token == "(":  # noqa: S105
            inner = self.disjunction()
            if self._peek() != ")":
                raise QuerySyntaxError("missing )")
            self.position += 1
            return inner
        if token.startswith("-") and len(token) > 1:
            negated = _term(token[1:])
            return lambda facts: not negated(facts)
        return _term(token)


def _term(token: str) -> Predicate:
    lowered = token.lower()
    if lowered.startswith("@") and len(lowered) > 1:
        return lambda facts: lowered[1:] in facts.mentions
    if lowered.startswith("#") and len(lowered) > 1:
        return lambda facts: lowered[1:] in facts.hashtags
    if lowered.startswith('"') and lowered.endswith('"') and len(lowered) > 1:
        return lambda facts: lowered[1:-1] in facts.text
    operator, colon, value = lowered.partition(":")
    if colon and operator.isalpha():
        if operator == "from" and value:
            handle = value.removeprefix("@")
            return lambda facts: facts.author == handle
        if (operator, value) == ("is", "retweet"):
            return lambda facts: facts.is_retweet
        if (operator, value) == ("is", "reply"):
            return lambda facts: facts.is_reply
        raise QuerySyntaxError(f"the fake X API does not support the operator {token!r}")
    keyword = re.compile(rf"(?<!\w){re.escape(lowered)}(?!\w)")
    return lambda facts: keyword.search(facts.text) is not None
