"""Turning one v2 or v1.1 tweet object into a NormalizedTweet and its envelope."""

import re
import unicodedata

from ingestion.normalized import Mention, NormalizedTweet, ParseError, PayloadFormat
from ingestion.parsing.values import (
    _edit_history,
    _first_index,
    _id_or_none,
    _iso_datetime,
    _objects,
    _optional_id,
    _readable,
    _required_text,
    _string,
    _tweet_id,
    _v1_datetime,
    _v1_value,
)


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


# v2 media keys are "<kind>_<media id>"; v1.1 media carry only the id, so the key is rebuilt from the kind.
_V1_MEDIA_KEY_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}


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
