"""The Account Activity webhook: CRC on GET, signed events on POST (X_API.md section 7)."""

import base64
import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ingestion.inbox import inbox_store
from ingestion.models import Door
from ingestion.parsing import parse_document

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def _sign(message: bytes) -> str:
    digest = hmac.new(settings.X_API_CONSUMER_SECRET.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response_token(crc_token: str) -> str:
    return _sign(crc_token.encode())


def signature_valid(body: bytes, signature: str | None) -> bool:
    if not signature or not settings.X_API_CONSUMER_SECRET:
        return False
    return hmac.compare_digest(_sign(body), signature)


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
        return JsonResponse({"response_token": crc_response_token(crc_token)})

    body = request.body  # the raw bytes: the signature is over them, before any parsing
    if not signature_valid(body, request.headers.get(SIGNATURE_HEADER)):
        return _error(401, "bad_signature", f"Missing or wrong {SIGNATURE_HEADER}.")
    parsed = parse_document(body)
    # 200 only once the payload is committed; processing follows on a worker.
    stored = inbox_store(tweets=parsed.tweets, dead_letters=parsed.dead_letters, door=Door.WEBHOOK)
    return JsonResponse({"received": len(parsed.tweets), "new": len(stored.new), "dead_letters": stored.dead_letters})
