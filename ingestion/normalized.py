"""The one shape every door's payload becomes: a normalised tweet, or a dead letter with a reason.

`ingestion.parsing` produces these; routing, threading and the inbox consume them.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class PayloadFormat(StrEnum):
    # An X API v2 tweet (search page, lookup, filtered-stream line); also the newer "post" spelling.
    V2 = "v2"
    # A v1.1 tweet object from an Account Activity `tweet_create_events` item.
    V1 = "v1.1"
    # An X Activity API `post.mention.create` event: a v2 post inside an event envelope.
    XAA = "xaa"


@dataclass(frozen=True, slots=True)
class Mention:
    username: str
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class NormalizedTweet:
    id: int
    text: str  # the full text (note_tweet / extended_tweet when the post is long), HTML-unescaped, no NUL
    author_id: int | None
    author_handle: str  # without "@"; "" when the payload does not say
    created_at: datetime | None  # aware, UTC; None when the payload has no date
    conversation_id: int | None  # None when the payload does not say (v1.1): thread by reply chain then
    in_reply_to_tweet_id: int | None
    in_reply_to_user_id: int | None
    quoted_tweet_id: int | None
    is_retweet: bool
    hashtags: tuple[str, ...]  # in the order they appear in the full text, without "#", original case
    mentions: tuple[Mention, ...]  # in the order they appear in the full text
    lang: str  # BCP 47, "und" or "" when unknown
    media: tuple[dict, ...]  # {"media_key", "type", "url"} as far as the payload says
    edit_history_ids: tuple[int, ...]  # oldest first; (id,) when never edited
    format: PayloadFormat
    # The self-contained raw document of this one tweet, as stored in the inbox: parsing it again
    # with `parse_envelope` gives this same NormalizedTweet.
    envelope: dict = field(compare=False, repr=False)

    @property
    def original_id(self) -> int:
        """The id of the first version of the tweet (itself unless edited)."""
        return self.edit_history_ids[0] if self.edit_history_ids else self.id


@dataclass(frozen=True, slots=True)
class DeadLetterDraft:
    raw: str  # the payload as received (the whole line, or the one tweet object re-serialised)
    reason: str  # for a person: what is wrong, e.g. "tweet has no id", "line is not JSON: ..."
    tweet_id: str = ""  # when one could be read
    # The department it belongs to, when the pipeline knows (e.g. the ticket a refused edit names);
    # else the inbox works it out from the payload's hashtags and mentions, if they route.
    department_id: int | None = None


@dataclass(slots=True)
class ParsedDocument:
    tweets: list[NormalizedTweet] = field(default_factory=list)
    dead_letters: list[DeadLetterDraft] = field(default_factory=list)
    # Lines that carry no tweet and are not errors of ours: keep-alives, error-only stream lines,
    # empty search pages. Counted, never dead-lettered.
    skipped: int = 0
    # Problems the X API reported inside the document (stream disconnects, partial errors).
    api_errors: list[dict] = field(default_factory=list)


class ParseError(ValueError):
    """A tweet that cannot be turned into a NormalizedTweet; the message is the dead-letter reason."""
