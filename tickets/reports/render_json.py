"""The report as JSON: the figures themselves, as the API returns them."""

import orjson

from tickets.reports.figures import AccountabilityReport


def render_json(report: AccountabilityReport) -> bytes:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2)
