from django.urls import path

from departments.api.views import DepartmentListApi

urlpatterns = [
    path("departments/", DepartmentListApi.as_view(), name="department-list"),
]
