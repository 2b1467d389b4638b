from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView

from departments.api.serializers import DepartmentOutputSerializer
from departments.selectors import department_list_visible
from seva.api.pagination import CodeCursorPagination


@extend_schema(summary="The department tree the user can see")
class DepartmentListApi(ListAPIView):
    serializer_class = DepartmentOutputSerializer
    pagination_class = CodeCursorPagination

    def get_queryset(self):
        return department_list_visible(user=self.request.user)
