"""Staff API: the review queue, a case, claiming, deciding and the action log."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from . import redress, services
from .measures import measure_retry
from .models import Case, PlatformMeasure, Priority, State, Verdict
from .roles import Actor
from .selectors import (
    QUEUE_FILTERS,
    QueuePaginator,
    dashboard_figures,
    queue_cases,
    queue_filter_q,
)
from .serializers import (
    ActionLogSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    DashboardSerializer,
    DecideSerializer,
    DecisionSerializer,
    MeasureSerializer,
)


def _one_of(name: str, values) -> str:
    return _("%(name)s must be one of %(values)s.") % {"name": name, "values": ", ".join(values)}


class QueuePagination(PageNumberPagination):
    django_paginator_class = QueuePaginator


class CaseListAPI(generics.ListAPIView):
    serializer_class = CaseSerializer
    pagination_class = QueuePagination

    @extend_schema(
        parameters=[
            OpenApiParameter("state", enum=State.values, required=False),
            OpenApiParameter("verdict", enum=Verdict.values, required=False),
            OpenApiParameter("priority", enum=Priority.values, required=False),
            OpenApiParameter(
                "due",
                enum=QUEUE_FILTERS["due"],
                required=False,
                description="soon: due within TAKEDOWN_QUEUE_DUE_SOON_HOURS; overdue: past due.",
            ),
            OpenApiParameter(
                "claim",
                enum=QUEUE_FILTERS["claim"],
                required=False,
                description="mine: your live claim; unclaimed: no claim, or one that lapsed; "
                "others: someone else's live claim.",
            ),
        ],
        summary="The review queue, soonest due first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        from cases.errors import InvalidInput

        state = self.request.query_params.get("state") or None
        verdict = self.request.query_params.get("verdict") or None
        if state and state not in State.values:
            raise InvalidInput(_one_of("state", State.values))
        if verdict and verdict not in Verdict.values:
            raise InvalidInput(_one_of("verdict", Verdict.values))
        priority = self.request.query_params.get("priority") or None
        if priority and priority not in Priority.values:
            raise InvalidInput(_one_of("priority", Priority.values))
        chosen = {name: self.request.query_params.get(name) or "" for name in ("due", "claim")}
        for name, value in chosen.items():
            if value and value not in QUEUE_FILTERS[name]:
                raise InvalidInput(_one_of(name, QUEUE_FILTERS[name]))
        cases = queue_cases(state=state, verdict=verdict, priority=priority)
        if any(chosen.values()):
            now = timezone.now()
            cases = cases.filter(queue_filter_q(chosen, user=self.request.user, now=now))
        return cases


class CaseDetailAPI(generics.RetrieveAPIView):
    serializer_class = CaseDetailSerializer

    def get_queryset(self):
        return queue_cases().prefetch_related(
            "notice__evidence",
            "decisions__decided_by",
            "related_cases__notice",
            "joined_notices__notice",
        )


class EvidenceFileAPI(APIView):
    """An evidence file, for the roles that may see it (others get 404)."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes}, summary="Evidence file")
    def get(self, request, pk):
        from .views import evidence_response

        return evidence_response(request.user, pk, via="api")


def _case_response(case_id: int) -> Response:
    return Response(CaseSerializer(get_object_or_404(queue_cases(), pk=case_id)).data)


class CaseClaimAPI(APIView):
    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)

    @extend_schema(request=None, responses={200: CaseSerializer}, summary="Claim a case")
    def post(self, request, pk):
        services.case_claim(case_id=pk, actor=Actor.staff(request.user))
        return _case_response(pk)


class CaseReleaseAPI(APIView):
    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)

    @extend_schema(request=None, responses={200: CaseSerializer}, summary="Release your claim")
    def post(self, request, pk):
        services.case_release(case_id=pk, actor=Actor.staff(request.user))
        return _case_response(pk)


class CaseDecideAPI(APIView):
    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)

    @extend_schema(
        request=DecideSerializer,
        responses={200: DecisionSerializer},
        summary="Decide a case you have claimed",
    )
    def post(self, request, pk):
        get_object_or_404(Case, pk=pk)
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decision = services.case_decide(
            case_id=pk,
            actor=Actor.staff(request.user),
            outcome=data["outcome"],
            reasons=data["reasons"],
            measure=data.get("measure"),
            items=[dict(item) for item in data.get("items", [])] or None,
            private_notes=data.get("private_notes", ""),
            ground=data.get("ground"),
            territorial_scope=data.get("territorial_scope"),
            ends_on=data.get("ends_on"),
            manifestly_unfounded=data.get("manifestly_unfounded", False),
        )
        return Response(DecisionSerializer(decision).data)


class CaseCloseAPI(APIView):
    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)

    @extend_schema(request=None, responses={200: CaseSerializer}, summary="Close a case")
    def post(self, request, pk):
        get_object_or_404(Case, pk=pk)
        services.case_close(
            case_id=pk, actor=Actor.staff(request.user), reasons=request.data.get("reasons", "")
        )
        return _case_response(pk)


class ResolveDisputeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["maintain", "restore"])
    reasons = serializers.CharField(max_length=5000)


class CaseResolveDisputeAPI(APIView):
    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)

    @extend_schema(
        request=ResolveDisputeSerializer,
        responses={200: CaseSerializer},
        summary="Keep or lift a measure the complainant defended with proof of legal action",
    )
    def post(self, request, pk):
        get_object_or_404(Case, pk=pk)
        serializer = ResolveDisputeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        redress.resolve_dispute(
            case_id=pk, actor=Actor.staff(request.user), **serializer.validated_data
        )
        return _case_response(pk)


class GroundsAPI(APIView):
    @extend_schema(
        responses={
            200: inline_serializer(
                "Ground",
                {
                    "key": serializers.CharField(),
                    "label": serializers.CharField(),
                    "outcomes": serializers.ListField(child=serializers.CharField()),
                    "reference": serializers.CharField(),
                },
                many=True,
            )
        },
        summary="The grounds a decision may give (TAKEDOWN_DECISION_GROUNDS)",
    )
    def get(self, request):
        return Response(
            [
                {
                    "key": key,
                    "label": _(spec["label"]),
                    "outcomes": spec["outcomes"],
                    "reference": spec["reference"],
                }
                for key, spec in settings.TAKEDOWN_DECISION_GROUNDS.items()
            ]
        )


class CaseLogAPI(generics.ListAPIView):
    serializer_class = ActionLogSerializer
    pagination_class = None

    @extend_schema(summary="The case's action log, oldest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        case = get_object_or_404(Case, pk=self.kwargs["pk"])
        return case.log.order_by("pk")


class MeasureRetryAPI(APIView):
    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)

    @extend_schema(
        request=None,
        responses={200: MeasureSerializer},
        summary="Send a failed platform measure again",
    )
    def post(self, request, pk):
        get_object_or_404(PlatformMeasure, pk=pk)
        measure = measure_retry(measure_id=pk, actor=Actor.staff(request.user))
        return Response(MeasureSerializer(measure).data)


class DashboardAPI(APIView):
    @extend_schema(responses={200: DashboardSerializer}, summary="Backlog, deadlines, measures")
    def get(self, request):
        return Response(DashboardSerializer(dashboard_figures()).data)
