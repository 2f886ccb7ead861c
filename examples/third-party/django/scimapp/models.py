# The models django-scim2's stock SCIMUser/SCIMGroup adapters expect (same shape as
# django-scim2's own test models): a user with scim_groups, a group with name/user_set.
from django.contrib.auth.models import AbstractUser
from django.db import models
from django_scim import models as scim_models


class Group(scim_models.AbstractSCIMGroupMixin):
    name = models.CharField("name", max_length=80, unique=True)

    def __str__(self):
        return self.name


class User(scim_models.AbstractSCIMUserMixin, AbstractUser):
    scim_groups = models.ManyToManyField(Group, related_name="user_set", blank=True)
