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

import orjson

from ingestion.normalized import DeadLetterDraft, NormalizedTweet, ParsedDocument, ParseError, PayloadFormat
from ingestion.parsing.tweets import _Includes, _v1_tweet, _v2_tweet
from ingestion.parsing.values import (
    _DEAD_LETTER_ID_LENGTH,
    _JSON_NUL_BYTES,
    _SHAPE_ERRORS,
    _has_nul_escape,
    _json_type_name,
    _line_text,
    _shape_reason,
    _v1_value,
    _without_nul,
)

# What an X Activity API envelope says about the event, kept beside the post in its envelope.
_XAA_EVENT_FIELDS = ("event_uuid", "event_type", "filter", "tag")


# Envelope keys that are context for people, not input to the normalisation.
_ENVELOPE_CONTEXT_KEYS = ("matching_rules", "event", "for_user_id")


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
