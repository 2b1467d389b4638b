from django.urls import path

from ingestion.api.views import DeadLetterListApi

urlpatterns = [
    path("ingestion/dead-letters/", DeadLetterListApi.as_view(), name="dead-letter-list"),
]
