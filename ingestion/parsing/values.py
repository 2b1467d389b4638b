"""Reading single values of a payload (ids, texts, dates) and keeping raw text storable."""

import html
import re
from datetime import UTC, datetime, timedelta

import orjson

from ingestion.normalized import ParseError

# Ids go into bigint columns.
_MAX_ID = 2**63 - 1


# DeadLetter.tweet_id is a CharField(max_length=40).
_DEAD_LETTER_ID_LENGTH = 40


# How NUL looks inside JSON text; PostgreSQL can store NUL neither in text nor in jsonb.
_JSON_NUL = "\\u0000"


_JSON_NUL_BYTES = _JSON_NUL.encode()


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


_JSON_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}


# What malformed nesting (a list where an object belongs, ...) raises inside the tweet builders.
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ValueError)


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


_V1_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d\d) "
    r"(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d) (\d{4})",
    re.ASCII,
)
