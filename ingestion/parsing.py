"""The one parser: every shape a door receives becomes NormalizedTweets and dead letters.

Shapes: X API v2 response pages and single lookups (also the renamed "post" fields of X's newest spec),
bare v2 tweets, filtered-stream lines, Account Activity v1.1 payloads and bare v1.1 tweets, and X Activity
API events. `parse_document` never raises on bad input: what it cannot read becomes a dead letter with a
reason, and the rest of the document goes on.

Each NormalizedTweet carries its envelope, the self-contained raw document of that one tweet that the
inbox stores; `parse_envelope` turns it back into the same NormalizedTweet:

    {"format": "v2" | "xaa", "tweet": <raw v2 tweet>,
     "users": [author and mentioned users], "media": [its media], "tweets": [the tweets it references],
     "matching_rules": [...] (stream), "event": {event_uuid, event_type, filter, tag} (X Activity API)}
    {"format": "v1.1", "tweet": <raw v1.1 tweet>, "for_user_id": "..." (Account Activity)}

Lists that would be empty and context the document did not carry are left out.
"""

import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta

import orjson

from ingestion.normalized import DeadLetterDraft, Mention, NormalizedTweet, ParsedDocument, ParseError, PayloadFormat

# Ids go into bigint columns.
_MAX_ID = 2**63 - 1
# DeadLetter.tweet_id is a CharField(max_length=40).
_DEAD_LETTER_ID_LENGTH = 40
# How NUL looks inside JSON text; PostgreSQL can store NUL neither in text nor in jsonb.
_JSON_NUL = "\\u0000"
_JSON_NUL_BYTES = _JSON_NUL.encode()


def _combining_marks() -> str:
    """A regex class body of every combining mark in the Basic Multilingual Plane.

    `\\w` leaves out marks (category M), so without them "#बीएसएनएल" would end at its first vowel sign.
    """
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if unicodedata.category(chr(code))[0] == "M":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in ranges)


_HASHTAG_CHARS = rf"\w{_combining_marks()}\u200c\u200d"  # ZWNJ/ZWJ shape Indic words
# A hashtag starts after no word character (so "C#" and "&#38;" are not tags); a mention after no handle
# character (so e-mail addresses are not mentions) and is not the start of a longer, impossible handle.
_TAG_OR_MENTION = re.compile(
    rf"#(?<![{_HASHTAG_CHARS}&#]#)([{_HASHTAG_CHARS}]+)"
    r"|@(?<![A-Za-z0-9_@]@)([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_])"
)
# A hashtag needs a character that is neither a digit nor "_" ("#2026" is not a tag).
_DIGITS_AND_UNDERSCORE = "0123456789_"

_V1_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d\d) "
    r"(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d) (\d{4})",
    re.ASCII,
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

# v2 media keys are "<kind>_<media id>"; v1.1 media carry only the id, so the key is rebuilt from the kind.
_V1_MEDIA_KEY_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}

# What an X Activity API envelope says about the event, kept beside the post in its envelope.
_XAA_EVENT_FIELDS = ("event_uuid", "event_type", "filter", "tag")
# Envelope keys that are context for people, not input to the normalisation.
_ENVELOPE_CONTEXT_KEYS = ("matching_rules", "event", "for_user_id")

_JSON_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}

# What malformed nesting (a list where an object belongs, ...) raises inside the tweet builders.
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ValueError)


def parse_document(document: str | bytes | dict) -> ParsedDocument:
    """Parse one JSON document (a JSON Lines line, a stream line, a webhook body, an API page)."""
    result = ParsedDocument()
    try:
        parsed = _decoded(document)
        if parsed is None:
            result.skipped = 1  # a stream keep-alive
            return result
        _parse_object(parsed, result)
    except ParseError as exc:
        result.dead_letters.append(DeadLetterDraft(raw=_line_text(document), reason=str(exc)))
    except RecursionError:
        result.dead_letters.append(DeadLetterDraft(raw=_line_text(document), reason="document is nested too deeply"))
    if not result.tweets and not result.dead_letters:
        result.skipped = 1
    return result


def parse_envelope(envelope: dict) -> NormalizedTweet:
    """Turn an inbox envelope back into its NormalizedTweet; raises ParseError with the reason."""
    if not isinstance(envelope, dict):
        raise ParseError(f"envelope is {_json_type_name(envelope)}, not an object")
    try:
        serialised = orjson.dumps(envelope)
    except orjson.JSONEncodeError as exc:
        raise ParseError(f"envelope cannot be written as JSON: {exc}") from exc
    if _JSON_NUL_BYTES in serialised:
        envelope = _without_nul(envelope)
    tweet = envelope.get("tweet")
    if not isinstance(tweet, dict):
        raise ParseError("envelope has no tweet object")
    context = {key: envelope[key] for key in _ENVELOPE_CONTEXT_KEYS if key in envelope}
    payload_format = envelope.get("format")
    try:
        if payload_format == PayloadFormat.V1:
            return _v1_tweet(tweet, context)
        if payload_format in (PayloadFormat.V2, PayloadFormat.XAA):
            includes = _Includes(
                {"users": envelope.get("users"), "media": envelope.get("media"), "tweets": envelope.get("tweets")}
            )
            return _v2_tweet(tweet, includes, PayloadFormat(payload_format), context)
    except ParseError:
        raise
    except _SHAPE_ERRORS as exc:
        raise ParseError(_shape_reason(exc)) from exc
    raise ParseError(f"envelope format {payload_format!r} is not one of v2, v1.1, xaa")


# Documents


def _decoded(document: str | bytes | dict) -> dict | None:
    """The document as an object without NUL characters; None for a blank keep-alive line.

    Raises ParseError when the document is no JSON object.
    """
    if isinstance(document, dict):
        try:
            serialised = orjson.dumps(document)
        except orjson.JSONEncodeError as exc:
            raise ParseError(f"document cannot be written as JSON: {exc}") from exc
        return _without_nul(document) if _JSON_NUL_BYTES in serialised else document
    try:
        parsed = orjson.loads(document)
    except orjson.JSONDecodeError as exc:
        if not _line_text(document).strip():
            return None
        raise ParseError(f"line is not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise ParseError(f"line is JSON but not an object: it is {_json_type_name(parsed)}")
    return _without_nul(parsed) if _has_nul_escape(document) else parsed


class _Includes:
    """The expansions of one document (or one envelope), indexed once for every tweet in it."""

    __slots__ = ("media_by_key", "tweets_by_id", "users_by_id", "users_by_name")

    def __init__(self, includes: object) -> None:
        if not isinstance(includes, dict):
            includes = {}
        users = _objects(includes.get("users"))
        self.users_by_id = {str(user.get("id")): user for user in users}
        self.users_by_name = {
            user["username"].lower(): user for user in users if isinstance(user.get("username"), str)
        }
        media = _objects(includes.get("media"))
        self.media_by_key = {item["media_key"]: item for item in media if isinstance(item.get("media_key"), str)}
        tweets = _objects(includes.get("tweets") or includes.get("posts"))
        self.tweets_by_id = {str(tweet.get("id")): tweet for tweet in tweets}


def _parse_object(document: dict, result: ParsedDocument) -> None:
    """Add the document's tweets, dead letters and API errors to `result`.

    Raises ParseError when the document as a whole is unreadable.
    """
    errors = document.get("errors")
    if isinstance(errors, list):
        result.api_errors.extend(error for error in errors if isinstance(error, dict))
    if "data" in document:
        _parse_data(document, result)
    elif "tweet_create_events" in document or "for_user_id" in document:
        _parse_account_activity(document, result)
    elif "id_str" in document or "user" in document:
        _add_tweet(document, PayloadFormat.V1, None, {}, result)
    elif "id" in document or "text" in document:
        _add_tweet(document, PayloadFormat.V2, None, {}, result)
    elif "title" in document and ("type" in document or "detail" in document):
        result.api_errors.append(document)  # an RFC 7807 problem body
    elif not (
        "errors" in document  # an error-only stream line or error response
        or "meta" in document  # an empty search page
        or any(key.endswith("_events") or key == "user_event" for key in document)  # Account Activity
    ):
        keys = ", ".join(sorted(document)[:10]) or "none"
        raise ParseError(f"JSON object is none of the shapes X sends (its keys: {keys})")


def _parse_data(document: dict, result: ParsedDocument) -> None:
    """A v2 page, single lookup or stream line, or an X Activity API event."""
    data = document["data"]
    if isinstance(data, dict) and "event_type" in data:
        _parse_activity_event(data, result)
        return
    includes = _Includes(document.get("includes"))
    context = {"matching_rules": document["matching_rules"]} if "matching_rules" in document else {}
    if isinstance(data, list):
        for item in data:
            _add_tweet(item, PayloadFormat.V2, includes, context, result)
    elif isinstance(data, dict):
        # {"deleted": true} and other answers that are not a tweet carry neither an id nor a text.
        if "id" in data or "text" in data:
            _add_tweet(data, PayloadFormat.V2, includes, context, result)
    elif data is not None:
        raise ParseError(f"data is {_json_type_name(data)}, neither a list of tweets nor a tweet")


def _parse_account_activity(document: dict, result: ParsedDocument) -> None:
    """Account Activity: tweet_create_events holds v1.1 tweets; favorites, follows and deletes carry none."""
    events = document.get("tweet_create_events")
    if events is not None and not isinstance(events, list):
        raise ParseError(f"tweet_create_events is {_json_type_name(events)}, not a list")
    context = {"for_user_id": document["for_user_id"]} if "for_user_id" in document else {}
    for item in events or ():
        _add_tweet(item, PayloadFormat.V1, None, context, result)


def _parse_activity_event(event: dict, result: ParsedDocument) -> None:
    """An X Activity API event: a post event carries a v2 post; other events (follows, profile changes,
    deletions) carry none."""
    event_type = event.get("event_type")
    if not (isinstance(event_type, str) and event_type.startswith("post.") and event_type.endswith(".create")):
        return
    payload = event.get("payload")
    if not isinstance(payload, dict):
        raise ParseError(f"{event_type} event has no post in its payload")
    context = {"event": {key: event[key] for key in _XAA_EVENT_FIELDS if key in event}}
    _add_tweet(payload, PayloadFormat.XAA, _Includes(event.get("includes")), context, result)


def _add_tweet(
    tweet: object,
    payload_format: PayloadFormat,
    includes: _Includes | None,
    context: dict,
    result: ParsedDocument,
) -> None:
    """Add one tweet to `result`: its NormalizedTweet, or a dead letter with the reason."""
    if not isinstance(tweet, dict):
        reason = f"tweet is {_json_type_name(tweet)}, not an object"
        result.dead_letters.append(DeadLetterDraft(raw=orjson.dumps(tweet).decode(), reason=reason))
        return
    try:
        if payload_format is PayloadFormat.V1:
            result.tweets.append(_v1_tweet(tweet, context))
        else:
            result.tweets.append(_v2_tweet(tweet, includes or _Includes(None), payload_format, context))
    except ParseError as exc:
        reason = str(exc)
    except _SHAPE_ERRORS as exc:
        reason = _shape_reason(exc)
    else:
        return
    tweet_id = _v1_value(tweet, "id") if payload_format is PayloadFormat.V1 else tweet.get("id")
    result.dead_letters.append(_tweet_dead_letter(tweet, reason, tweet_id))


def _tweet_dead_letter(tweet: dict, reason: str, tweet_id: object) -> DeadLetterDraft:
    readable_id = str(tweet_id) if isinstance(tweet_id, str | int) and not isinstance(tweet_id, bool) else ""
    return DeadLetterDraft(
        raw=orjson.dumps(tweet).decode(), reason=reason, tweet_id=readable_id[:_DEAD_LETTER_ID_LENGTH]
    )


# Tweets


def _v2_tweet(tweet: dict, includes: _Includes, payload_format: PayloadFormat, context: dict) -> NormalizedTweet:
    tweet_id = _tweet_id(tweet.get("id"))
    text, entities = _v2_text_and_entities(tweet)
    hashtags, mentioned = _tags_and_mentions(text, *_v2_entity_positions(entities))
    needed_users: list[dict] = []
    author_id, author_handle = _v2_author(tweet, includes, needed_users)
    mentions = _v2_mentions(mentioned, includes, needed_users)
    is_retweet, quoted_tweet_id, in_reply_to_tweet_id, referenced = _v2_references(tweet, includes)
    media, needed_media = _v2_media(tweet, includes)

    envelope = {"format": payload_format.value, "tweet": tweet}
    if needed_users:
        envelope["users"] = needed_users
    if needed_media:
        envelope["media"] = needed_media
    if referenced:
        envelope["tweets"] = referenced
    envelope.update(context)

    return NormalizedTweet(
        id=tweet_id,
        text=text,
        author_id=author_id,
        author_handle=author_handle,
        created_at=_iso_datetime(tweet.get("created_at")),
        conversation_id=_optional_id(tweet.get("conversation_id"), "conversation_id"),
        in_reply_to_tweet_id=in_reply_to_tweet_id,
        in_reply_to_user_id=_optional_id(tweet.get("in_reply_to_user_id"), "in_reply_to_user_id"),
        quoted_tweet_id=quoted_tweet_id,
        is_retweet=is_retweet,
        hashtags=hashtags,
        mentions=mentions,
        lang=_string(tweet.get("lang")),
        media=media,
        edit_history_ids=_edit_history(
            tweet_id, tweet.get("edit_history_tweet_ids") or tweet.get("edit_history_post_ids")
        ),
        format=payload_format,
        envelope=envelope,
    )


def _v2_text_and_entities(tweet: dict) -> tuple[str, dict | None]:
    """The full text (a long post's note) and the entities that best cover it."""
    note = tweet.get("note_tweet") or tweet.get("note_post")
    if isinstance(note, dict) and isinstance(note.get("text"), str) and note["text"]:
        text, entities = note["text"], note.get("entities")
    else:
        text, entities = _required_text(tweet.get("text")), None
    if not isinstance(entities, dict):
        # A note without entities: those of the truncated text, then the regex, cover it.
        entities = tweet.get("entities")
    return _readable(text), entities if isinstance(entities, dict) else None


def _v2_entity_positions(entities: dict | None) -> tuple[list[tuple], list[tuple]]:
    if entities is None:
        return [], []
    tags = [(tag.get("start"), tag.get("tag")) for tag in entities.get("hashtags") or ()]
    mentions = [
        (mention.get("start"), mention.get("username"), _id_or_none(mention.get("id")))
        for mention in entities.get("mentions") or ()
    ]
    return tags, mentions


def _v2_author(tweet: dict, includes: _Includes, needed_users: list[dict]) -> tuple[int | None, str]:
    author_key = tweet.get("author_id")
    author_id = _optional_id(author_key, "author_id")
    author = includes.users_by_id.get(str(author_key)) if author_id is not None else None
    if author is None:
        return author_id, ""
    needed_users.append(author)
    return author_id, _string(author.get("username"))


def _v2_mentions(
    mentioned: list[tuple[str, int | None]], includes: _Includes, needed_users: list[dict]
) -> tuple[Mention, ...]:
    mentions = []
    for username, entity_user_id in mentioned:
        user_id = entity_user_id
        user = includes.users_by_name.get(username.lower())
        if user is not None:
            if user_id is None:
                user_id = _id_or_none(user.get("id"))
            if user not in needed_users:
                needed_users.append(user)
        mentions.append(Mention(username=username, user_id=user_id))
    return tuple(mentions)


def _v2_references(tweet: dict, includes: _Includes) -> tuple[bool, int | None, int | None, list[dict]]:
    """Whether it is a retweet, the quoted and replied-to ids, and the included tweets it references."""
    is_retweet = False
    quoted_tweet_id = in_reply_to_tweet_id = None
    referenced = []
    references = tweet.get("referenced_tweets") or tweet.get("referenced_posts") or []
    if not isinstance(references, list):
        raise ParseError("referenced_tweets is not a list")
    for reference in references:
        reference_key = reference.get("id")
        reference_id = _optional_id(reference_key, "referenced tweet id")
        kind = reference.get("type")
        if kind == "retweeted":
            is_retweet = True
        elif kind == "quoted":
            quoted_tweet_id = reference_id
        elif kind == "replied_to":
            in_reply_to_tweet_id = reference_id
        included = includes.tweets_by_id.get(str(reference_key))
        if included is not None:
            referenced.append(included)
    return is_retweet, quoted_tweet_id, in_reply_to_tweet_id, referenced


def _v2_media(tweet: dict, includes: _Includes) -> tuple[tuple[dict, ...], list[dict]]:
    attachments = tweet.get("attachments")
    media_keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
    if not media_keys:
        return (), []
    media, needed_media = [], []
    for media_key in media_keys:
        item = includes.media_by_key.get(media_key)
        if item is None:
            media.append({"media_key": _string(media_key), "type": "", "url": ""})
            continue
        needed_media.append(item)
        url = _string(item.get("url")) or _string(item.get("preview_image_url"))
        media.append({"media_key": _string(media_key), "type": _string(item.get("type")), "url": url})
    return tuple(media), needed_media


def _v1_tweet(tweet: dict, context: dict) -> NormalizedTweet:
    tweet_id = _tweet_id(_v1_value(tweet, "id"), field="id_str")
    text, holder = _v1_text_and_holder(tweet)
    entities = holder.get("entities")
    if not isinstance(entities, dict):
        entities = {}
    hashtags, mentioned = _tags_and_mentions(
        text,
        [(_first_index(tag), tag.get("text")) for tag in entities.get("hashtags") or ()],
        [
            (_first_index(mention), mention.get("screen_name"), _id_or_none(_v1_value(mention, "id")))
            for mention in entities.get("user_mentions") or ()
        ],
    )
    user = tweet.get("user")
    if not isinstance(user, dict):
        user = {}
    edit_history = tweet.get("edit_history")
    envelope = {"format": PayloadFormat.V1.value, "tweet": tweet}
    envelope.update(context)

    return NormalizedTweet(
        id=tweet_id,
        text=text,
        author_id=_optional_id(_v1_value(user, "id"), "user.id_str"),
        author_handle=_string(user.get("screen_name")),
        created_at=_v1_datetime(tweet.get("created_at")),
        conversation_id=None,
        in_reply_to_tweet_id=_optional_id(_v1_value(tweet, "in_reply_to_status_id"), "in_reply_to_status_id_str"),
        in_reply_to_user_id=_optional_id(_v1_value(tweet, "in_reply_to_user_id"), "in_reply_to_user_id_str"),
        quoted_tweet_id=_optional_id(_v1_value(tweet, "quoted_status_id"), "quoted_status_id_str"),
        is_retweet=tweet.get("retweeted_status") is not None,
        hashtags=hashtags,
        mentions=tuple(Mention(username=username, user_id=user_id) for username, user_id in mentioned),
        lang=_string(tweet.get("lang")),
        media=_v1_media(holder, entities),
        edit_history_ids=_edit_history(
            tweet_id, edit_history.get("edit_tweet_ids") if isinstance(edit_history, dict) else None
        ),
        format=PayloadFormat.V1,
        envelope=envelope,
    )


def _v1_text_and_holder(tweet: dict) -> tuple[str, dict]:
    """The full text, and the object holding its entities: long posts arrive truncated, with the whole
    text and its entities in extended_tweet."""
    extended = tweet.get("extended_tweet")
    if isinstance(extended, dict) and isinstance(extended.get("full_text"), str) and extended["full_text"]:
        holder = extended if isinstance(extended.get("entities"), dict) else tweet
        return _readable(extended["full_text"]), holder
    # A root full_text is what tweet_mode=extended REST responses carry.
    full_text = tweet.get("full_text")
    text = full_text if isinstance(full_text, str) and full_text else _required_text(tweet.get("text"))
    return _readable(text), tweet


def _v1_media(holder: dict, entities: dict) -> tuple[dict, ...]:
    extended_entities = holder.get("extended_entities")
    if isinstance(extended_entities, dict) and extended_entities.get("media"):
        items = extended_entities["media"]  # every photo of the post; entities.media holds only the first
    else:
        items = entities.get("media") or ()
    media = []
    for item in items:
        media_key = _string(item.get("media_key"))
        kind = _string(item.get("type"))
        media_id = _v1_value(item, "id")
        if not media_key and kind in _V1_MEDIA_KEY_PREFIX and media_id is not None:
            media_key = f"{_V1_MEDIA_KEY_PREFIX[kind]}_{media_id}"
        url = _string(item.get("media_url_https")) or _string(item.get("media_url"))
        media.append({"media_key": media_key, "type": kind, "url": url})
    return tuple(media)


def _tags_and_mentions(
    text: str, tag_entities: list[tuple], mention_entities: list[tuple]
) -> tuple[tuple[str, ...], list[tuple[str, int | None]]]:
    """Hashtags (without "#") and mentions (username, user id) of the full text, each once, in order of
    appearance: the payload's entities, and what the regex finds in the text that they miss (a long
    post whose entities cover only its truncated text, a payload requested without entities)."""
    found: dict[str, list] = {}  # "#tag" or "@name", lowercased -> [position, spelling, user id]
    end = len(text)
    for start, tag in tag_entities:
        if isinstance(tag, str) and tag:
            found.setdefault("#" + tag.lower(), [start if type(start) is int else end, tag, None])
    for start, username, user_id in mention_entities:
        if isinstance(username, str) and username:
            found.setdefault("@" + username.lower(), [start if type(start) is int else end, username, user_id])
    if "#" in text or "@" in text:
        _add_found_in_text(text, found)
    if not found:
        return (), []
    ordered = sorted(found.items(), key=lambda item: item[1][0])
    hashtags = tuple(entry[1] for key, entry in ordered if key[0] == "#")
    mentions = [(entry[1], entry[2]) for key, entry in ordered if key[0] == "@"]
    return hashtags, mentions


def _add_found_in_text(text: str, found: dict[str, list]) -> None:
    """Add the hashtags and mentions the regex finds; those already known take the position in the text."""
    placed = set()
    for match in _TAG_OR_MENTION.finditer(text):
        tag = match.group(1)
        if tag is None:
            name, key = match.group(2), "@" + match.group(2).lower()
        elif tag.strip(_DIGITS_AND_UNDERSCORE):
            name, key = tag, "#" + tag.lower()
        else:
            continue
        if key in placed:
            continue
        placed.add(key)
        entry = found.get(key)
        if entry is None:
            found[key] = [match.start(), name, None]
        else:
            entry[0] = match.start()  # entity offsets may count the HTML-escaped text


# Fields


def _tweet_id(value: object, field: str = "id") -> int:
    if value is None:
        raise ParseError("tweet has no id" if field == "id" else f"tweet has no {field}")
    tweet_id = _id_or_none(value)
    if tweet_id is None:
        raise ParseError(f"tweet {field} is not a valid id (digits only, at most 19): {_shown(value)}")
    return tweet_id


def _optional_id(value: object, field: str) -> int | None:
    if value is None or value == "":
        return None
    parsed = _id_or_none(value)
    if parsed is None:
        raise ParseError(f"{field} is not a valid id (digits only, at most 19): {_shown(value)}")
    return parsed


def _id_or_none(value: object) -> int | None:
    if type(value) is str:
        if value.isascii() and value.isdigit() and len(value) <= 19:
            parsed = int(value)
            return parsed if parsed <= _MAX_ID else None
        return None
    if type(value) is int and 0 <= value <= _MAX_ID:
        return value
    return None


def _edit_history(tweet_id: int, ids: object) -> tuple[int, ...]:
    if not ids:
        return (tweet_id,)
    if not isinstance(ids, list):
        raise ParseError("edit_history_tweet_ids is not a list")
    # Edits are new, larger ids: sorting puts the original first whatever order the payload used.
    return tuple(sorted({_tweet_id(value, field="edit history id") for value in ids}))


def _required_text(value: object) -> str:
    if value is None:
        raise ParseError("tweet has no text")
    if not isinstance(value, str):
        raise ParseError(f"tweet text is {_json_type_name(value)}, not a string")
    if not value:
        raise ParseError("tweet text is empty")
    return value


def _readable(text: str) -> str:
    # X escapes &, < and > in tweet text.
    return html.unescape(text) if "&" in text else text


def _iso_datetime(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            # X always sends UTC ("...Z"); a time without a zone is read as UTC too.
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    raise ParseError(f"created_at is not a valid date: {_shown(value)}")


def _v1_datetime(value: object) -> datetime | None:
    """v1.1's "Mon May 19 14:01:46 +0000 2025"; a regex and arithmetic, as strptime costs ~10 µs a call."""
    if value is None:
        return None
    match = _V1_DATE.fullmatch(value) if isinstance(value, str) else None
    if match is not None:
        month, day, hour, minute, second, sign, offset_hours, offset_minutes, year = match.groups()
        try:
            moment = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC)
        except ValueError:
            pass
        else:
            offset = timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
            return moment - offset if sign == "+" else moment + offset
    raise ParseError(f"created_at is not a valid date: {_shown(value)}")


def _v1_value(source: dict, field: str) -> object:
    """A v1.1 id: the `<field>_str` string, else the number (exact in Python, unlike in JavaScript)."""
    value = source.get(field + "_str")
    return source.get(field) if value is None else value


def _first_index(entity: dict) -> object:
    indices = entity.get("indices")
    return indices[0] if isinstance(indices, list) and indices else None


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _objects(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# Raw text


def _has_nul_escape(document: str | bytes) -> bool:
    return (_JSON_NUL in document) if isinstance(document, str) else (_JSON_NUL_BYTES in document)


def _without_nul(value: object) -> object:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _line_text(document: object) -> str:
    """The document as text that a text column can hold, for a dead letter."""
    if isinstance(document, dict):
        try:
            return orjson.dumps(document).decode()
        except orjson.JSONEncodeError:
            return _storable(str(document))
    if isinstance(document, bytes | bytearray):
        return _storable(bytes(document).decode("utf-8", "backslashreplace"))
    if isinstance(document, str):
        # Lone surrogates (from a broken decoder upstream) cannot be encoded for the database either.
        return _storable(document.encode("utf-8", "backslashreplace").decode("utf-8"))
    return _storable(repr(document))


def _storable(text: str) -> str:
    return text.replace("\x00", "")


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _json_type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _shape_reason(exc: Exception) -> str:
    return f"tweet has an unexpected shape ({type(exc).__name__}: {exc})"
