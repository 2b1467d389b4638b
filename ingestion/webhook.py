"""The Account Activity webhook: CRC on GET, signed events on POST (X_API.md section 7)."""

import base64
import hashlib
import hmac
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ingestion.inbox import inbox_store
from ingestion.models import Door
from ingestion.parsing import parse_document

SIGNATURE_HEADER = "x-twitter-webhooks-signature"

# The CRC answer is the same HMAC the POST check expects, so signing arbitrary text would sign a
# forged delivery. X's tokens are short and URL-safe; anything that could be a JSON body is refused.
CRC_TOKEN_MAX_LENGTH = 128
CRC_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_=+/-]+")


def _sign(message: bytes) -> str:
    digest = hmac.new(settings.X_API_CONSUMER_SECRET.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_token_acceptable(crc_token: str) -> bool:
    return len(crc_token) <= CRC_TOKEN_MAX_LENGTH and CRC_TOKEN_PATTERN.fullmatch(crc_token) is not None


def crc_response_token(crc_token: str) -> str:
    return _sign(crc_token.encode())


def signature_valid(body: bytes, signature: str | None) -> bool:
    if not signature or not settings.X_API_CONSUMER_SECRET:
        return False
    try:
        # compare_digest refuses non-ASCII str with TypeError; a header that is not ASCII is no
        # signature of ours, so it fails the check like any other wrong value.
        given = signature.encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(_sign(body).encode("ascii"), given)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_webhook(request: HttpRequest) -> HttpResponse:
    if not settings.X_API_CONSUMER_SECRET:
        return _error(503, "not_configured", "The webhook needs X_API_CONSUMER_SECRET.")
    if request.method == "GET":
        crc_token = request.GET.get("crc_token")
        if not crc_token:
            return _error(400, "crc_token_missing", "Give crc_token in the query string.")
        if not crc_token_acceptable(crc_token):
            return _error(
                400,
                "crc_token_invalid",
                f"crc_token must be at most {CRC_TOKEN_MAX_LENGTH} characters of A-Z a-z 0-9 _ = + / -.",
            )
        return JsonResponse({"response_token": crc_response_token(crc_token)})

    body = request.body  # the raw bytes: the signature is over them, before any parsing
    if not signature_valid(body, request.headers.get(SIGNATURE_HEADER)):
        return _error(401, "bad_signature", f"Missing or wrong {SIGNATURE_HEADER}.")
    parsed = parse_document(body)
    # 200 only once the payload is committed; processing follows on a worker.
    stored = inbox_store(tweets=parsed.tweets, dead_letters=parsed.dead_letters, door=Door.WEBHOOK)
    return JsonResponse({"received": len(parsed.tweets), "new": len(stored.new), "dead_letters": stored.dead_letters})
