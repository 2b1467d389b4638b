from django.urls import path

from ingestion.api.views import DeadLetterDetailApi, DeadLetterListApi, DeadLetterReplayApi

urlpatterns = [
    path("ingestion/dead-letters/", DeadLetterListApi.as_view(), name="dead-letter-list"),
    path("ingestion/dead-letters/<int:pk>/", DeadLetterDetailApi.as_view(), name="dead-letter-detail"),
    path("ingestion/dead-letters/<int:pk>/replay/", DeadLetterReplayApi.as_view(), name="dead-letter-replay"),
]
