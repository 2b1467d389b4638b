"""Beat schedules given in India's clock. Beat keeps UTC (CELERY_TIMEZONE), so a time of day in
another zone is turned into UTC here, once, when the settings load."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def daily_digest_schedule(local_time: str, zone: str) -> crontab:
    """Every day at `local_time` ("HH:MM") of `zone`, as a crontab in UTC. Exact for zones without
    daylight saving (India's); elsewhere it keeps the offset of the day the settings load."""
    match = _HH_MM.match(local_time.strip())
    if match is None:
        raise ImproperlyConfigured(f"SEVA_DIGEST_TIME must be HH:MM (24-hour), not {local_time!r}")
    local = datetime.combine(date.today(), time(int(match[1]), int(match[2])), ZoneInfo(zone))  # noqa: DTZ011 - only the zone's offset is wanted
    moment = local.astimezone(UTC)
    return crontab(minute=moment.minute, hour=moment.hour)
