"""The dashboard's figures as JSON: what /desk/dashboard/ shows, for a period over the user's scope
(tickets.dashboard.figures). For supervisors, department admins, auditors and ministry admins."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from seva.api.schema import error_responses
from tickets.dashboard.figures import Counts, DashboardFigures, dashboard_figures
from tickets.dashboard.periods import MAX_RANGE_DAYS, PERIOD_CHOICES, RANGE, PeriodError, period_from
from tickets.models import OTHER_CATEGORY
from tickets.selectors import posting_budget_overview
from tickets.workspace.selectors import staff_roles


class BudgetWindowSerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        allow_null=True, min_value=0, help_text="Posts the window allows; null: not known"
    )
    used = serializers.IntegerField(allow_null=True, min_value=0)
    left = serializers.IntegerField(allow_null=True, min_value=0)
    resets_at = serializers.DateTimeField(
        allow_null=True, help_text="Null when not known, or past: the window is full"
    )
    observed_at = serializers.DateTimeField(allow_null=True, help_text="When X said so (a post's answer)")

    class Meta:
        ref_name = "DashboardBudgetWindow"


class BudgetAccountSerializer(BudgetWindowSerializer):
    handle = serializers.CharField()
    department = serializers.CharField(help_text="The code of the account's department")
    waiting = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        help_text='Messages waiting in the outbox from this account, by kind: {"reply": n, "incident": n, "ack": n}',
    )

    class Meta:
        ref_name = "DashboardBudgetAccount"


class PostingBudgetSerializer(serializers.Serializer):
    accounts = BudgetAccountSerializer(many=True)
    app = BudgetWindowSerializer(help_text="The app's 24-hour window, shared by every account")

    class Meta:
        ref_name = "DashboardPostingBudget"


def _count(**kwargs):
    return serializers.IntegerField(min_value=0, **kwargs)


class CountsSerializer(serializers.Serializer):
    received = _count(help_text="Tickets created in the period")
    resolved = _count(help_text="Tickets resolved in the period")
    open = _count(help_text="Open now (whatever the period)")
    breached = _count(help_text="Open now and past a target")
    due_met = _count(help_text="Resolution target in the period (up to this hour), met")
    due_missed = _count(help_text="Resolution target in the period (up to this hour), missed")
    due_waiting = _count(help_text="Resolution target in the period, clock paused on the citizen before it")
    compliance_percent = serializers.FloatField(
        allow_null=True, min_value=0, max_value=100, help_text="met / (met + missed); null when none was due"
    )

    class Meta:
        ref_name = "DashboardCounts"


class ScopeCountsSerializer(CountsSerializer):
    code = serializers.CharField(help_text="A department's or unit's code, or a state's (the map's two letters)")

    class Meta:
        ref_name = "DashboardScopeCounts"


class BusinessTimesSerializer(serializers.Serializer):
    tickets = _count()
    median_seconds = serializers.IntegerField(allow_null=True, min_value=0, help_text="Business seconds")
    p90_seconds = serializers.IntegerField(allow_null=True, min_value=0, help_text="Business seconds")

    class Meta:
        ref_name = "DashboardBusinessTimes"


class DashboardSummaryApi(APIView):
    class FilterSerializer(serializers.Serializer):
        period = serializers.ChoiceField(choices=[value for value, _label in PERIOD_CHOICES], default="today")
        start = serializers.DateField(required=False, help_text="With period=range: the first day (India's)")
        end = serializers.DateField(
            required=False, help_text=f"With period=range: the last day, included; at most {MAX_RANGE_DAYS} days"
        )

        class Meta:
            ref_name = "DashboardSummaryFilter"

    class OutputSerializer(serializers.Serializer):
        class PeriodSerializer(serializers.Serializer):
            kind = serializers.ChoiceField(choices=[value for value, _label in PERIOD_CHOICES])
            first_day = serializers.DateField()
            last_day = serializers.DateField()

            class Meta:
                ref_name = "DashboardPeriod"

        class HourSerializer(serializers.Serializer):
            hour = serializers.DateTimeField()
            received = _count()

            class Meta:
                ref_name = "DashboardHour"

        class CategorySerializer(serializers.Serializer):
            category = serializers.CharField(help_text=f'A category code, or "{OTHER_CATEGORY}"')
            received = _count()

            class Meta:
                ref_name = "DashboardCategory"

        class RatingsSerializer(serializers.Serializer):
            ratings = _count()
            rated_tickets = _count()
            average = serializers.FloatField(allow_null=True, min_value=1, max_value=5)
            poor_percent = serializers.FloatField(
                allow_null=True, min_value=0, max_value=100, help_text="Share of ratings of 1 or 2"
            )

            class Meta:
                ref_name = "DashboardRatings"

        class EscalationsSerializer(serializers.Serializer):
            level_1 = _count()
            level_2 = _count()
            level_3 = _count()
            appeals = _count()

            class Meta:
                ref_name = "DashboardEscalations"

        generated_at = serializers.DateTimeField()
        period = PeriodSerializer()
        totals = CountsSerializer()
        first_response = BusinessTimesSerializer()
        resolution = BusinessTimesSerializer()
        escalations = EscalationsSerializer(help_text="Tickets escalated in the period, per level; and appealed")
        ratings = RatingsSerializer()
        open_incidents = _count()
        by_department = ScopeCountsSerializer(many=True)
        by_unit = ScopeCountsSerializer(many=True)
        by_state = ScopeCountsSerializer(many=True)
        volume_by_hour = HourSerializer(many=True, help_text="Tickets received per hour (India's), last 7 days")
        categories_today = CategorySerializer(many=True, help_text="Today's top categories")
        posting_budget = PostingBudgetSerializer(
            help_text="What X last said each official account in scope may post in its 15-minute window, "
            "and the app in its 24-hour one"
        )

        class Meta:
            ref_name = "DashboardSummary"

    @extend_schema(
        summary="The dashboard's figures for a period (today by default) over your scope",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 429)},
    )
    def get(self, request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if not staff_roles(user=request.user).reads_reports:
            raise PermissionDenied(
                _("The dashboard is for supervisors, department admins, auditors and the ministry.")
            )
        now = timezone.now()
        data = filters.validated_data
        params = {"period": data["period"]}
        if data["period"] == RANGE:
            params |= {key: str(data[key]) if data.get(key) else "" for key in ("start", "end")}
        try:
            period = period_from(params, now=now)
        except PeriodError as error:
            raise serializers.ValidationError(error.fields) from None
        figures = dashboard_figures(user=request.user, period=period, now=now)
        return Response(
            self.OutputSerializer(_summary(figures, posting_budget_overview(user=request.user, now=now))).data
        )


def _counts(counts: Counts, **extra) -> dict:
    return {
        "received": counts.received,
        "resolved": counts.resolved,
        "open": counts.open,
        "breached": counts.breached,
        "due_met": counts.due_met,
        "due_missed": counts.due_missed,
        "due_waiting": counts.due_waiting,
        "compliance_percent": counts.compliance_percent,
        **extra,
    }


def _summary(figures: DashboardFigures, budget: dict) -> dict:
    levels = figures.escalations_by_level
    return {
        "generated_at": figures.now,
        "period": {
            "kind": figures.period.kind,
            "first_day": figures.period.first_day,
            "last_day": figures.period.last_day,
        },
        "totals": _counts(figures.total),
        "first_response": figures.first_response.__dict__,
        "resolution": figures.resolution.__dict__,
        "escalations": {"level_1": levels[1], "level_2": levels[2], "level_3": levels[3], "appeals": figures.appeals},
        "ratings": {
            "ratings": figures.ratings,
            "rated_tickets": figures.rated_tickets,
            "average": figures.rating_average,
            "poor_percent": figures.poor_rating_percent,
        },
        "open_incidents": figures.open_incidents,
        "by_department": [_counts(row.counts, code=row.department.code) for row in figures.departments],
        "by_unit": [_counts(row.counts, code=row.department.code) for row in figures.units],
        "by_state": [_counts(counts, code=code) for code, counts in sorted(figures.states.items())],
        "volume_by_hour": [{"hour": hour.hour, "received": hour.received} for hour in figures.volume],
        "categories_today": [{"category": row.code, "received": row.received} for row in figures.categories_today],
        "posting_budget": budget,
    }
