"""Sending the daily digest: once per recipient and day, whatever runs it and however often.

Each recipient's mail is built first (their figures, in their language, and the accountability
report of the day as a PDF, through `tickets.reports.writer.report_file_write`), then sent inside
the transaction that records it (DailyDigestSent, unique per user and day): a second run blocks on
that row until the first commits, then finds it and sends nothing; a failed send rolls the record
back, so a retry sends it. One recipient's failure does not stop the others'."""

import io
import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import DailyDigestSent
from tickets.digest.formatting import indian_date
from tickets.digest.selectors import (
    DIGEST_TIMEZONE,
    daily_digest,
    digest_already_sent,
    digest_recipients,
    digest_yesterday,
)
from tickets.reports.writer import report_file_write

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DigestRun:
    day: date
    sent: int
    failed: int


def daily_digests_send(*, day: date | None = None, now: datetime | None = None) -> DigestRun:
    """Send the digest of `day` (yesterday in India, by default) to everyone still owed it, here and
    now (beat's task hands each recipient to a task of their own instead: daily_digest_send_to)."""
    now = now or timezone.now()
    day = day or digest_yesterday(now=now)
    sent = failed = 0
    for user in list(digest_recipients(day=day)):
        try:
            sent += daily_digest_send(user=user, day=day, now=now)
        except Exception:  # one recipient's broken mail or report must not keep it from the others
            logger.exception("daily digest of %s for user %s failed", day, user.pk)
            failed += 1
    return DigestRun(day=day, sent=sent, failed=failed)


def daily_digest_send_to(*, user_id: int, day: date, now: datetime | None = None) -> bool:
    """`daily_digest_send` for a user id (a task's), if the digest is still owed them: someone who
    turned it off, lost their address or their role since the list was made is left alone."""
    user = digest_recipients(day=day).filter(pk=user_id).first()
    if user is None:
        return False
    return daily_digest_send(user=user, day=day, now=now or timezone.now())


def daily_digest_send(*, user, day: date, now: datetime) -> bool:
    """Mail `user` the digest of `day`, unless it was sent already. True when this call sent it."""
    if digest_already_sent(user=user, day=day):
        return False
    message = daily_digest_message(user=user, day=day, now=now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                DailyDigestSent.objects.create(user=user, day=day, sent_at=now)
        except IntegrityError:  # another run sent it while this one built the mail
            return False
        message.send()
    return True


def daily_digest_message(*, user, day: date, now: datetime) -> EmailMultiAlternatives:
    """The digest mail of `day` for `user`, in their language: plain text, HTML and the day's report as PDF."""
    language = user.preferred_language if user.preferred_language in dict(settings.LANGUAGES) else "en"
    with translation.override(language), timezone.override(DIGEST_TIMEZONE):
        digest = daily_digest(user=user, day=day, now=now)
        context = {
            "digest": digest,
            "recipient": user,
            "language": language,
            "day_label": indian_date(day),
            "site_url": settings.SEVA_SITE_URL.rstrip("/"),
        }
        subject = _("Seva Desk daily digest for %(day)s") % {"day": context["day_label"]}
        text = render_to_string("digest/daily_digest.txt", context)
        html = render_to_string("digest/daily_digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.SEVA_DIGEST_FROM_EMAIL,
        to=[user.email],
        # Out-of-office replies and auto-forwarders should leave an automatic mail alone (RFC 3834).
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    pdf = io.BytesIO()
    report_file_write(user=user, department_code=None, start=day, end=day, fmt="pdf", out=pdf)
    message.attach(f"seva-desk-report-{day.isoformat()}.pdf", pdf.getvalue(), "application/pdf")
    return message
