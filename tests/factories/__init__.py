import factory
from django.contrib.auth import get_user_model

from departments.models import Department, Hashtag, Membership, OfficialAccount, Role, RoutingRule


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@seva.test")
    password = factory.django.Password("pass-for-tests-123")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n}")
    name_en = factory.LazyAttribute(lambda dept: f"Department {dept.code}")
    name_hi = factory.LazyAttribute(lambda dept: f"विभाग {dept.code}")
    parent = None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = Role.OFFICER


class HashtagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hashtag

    tag = factory.Sequence(lambda n: f"Seva{n}")
    department = factory.SubFactory(DepartmentFactory)


class OfficialAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficialAccount

    handle = factory.Sequence(lambda n: f"official{n}")
    x_user_id = factory.Sequence(lambda n: str(2_000_000 + n))
    department = factory.SubFactory(DepartmentFactory)


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    pattern = factory.Sequence(lambda n: f"keyword{n}")
    department = factory.SubFactory(DepartmentFactory)


def member(*, department: Department, role: str = Role.OFFICER, **user_fields):
    """A user holding `role` on `department`."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, department=department, role=role)
    return user
