from django.contrib.admin.apps import AdminConfig


class SevaAdminConfig(AdminConfig):
    default_site = "departments.admin_scope.SevaAdminSite"
