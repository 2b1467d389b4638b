from rest_framework import serializers

from departments.models import Department


class DepartmentOutputSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Department
        fields = ("code", "name_en", "name_hi", "parent", "is_unit", "ticket_prefix")
