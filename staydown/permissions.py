from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from cases.roles import is_staff_member


class CanScreen(BasePermission):
    """Staff (moderator, legal, admin), or the platform's own account: a user in the group
    named by TAKEDOWN_SCREENING_GROUP, signing its calls with its API token."""

    @property
    def message(self) -> str:
        return _(
            "Screening is for the platform's screening account (group '%(group)s') or "
            "trust-and-safety staff."
        ) % {"group": settings.TAKEDOWN_SCREENING_GROUP}

    def has_permission(self, request, view):
        user = request.user
        if is_staff_member(user):
            return True
        return bool(
            user
            and user.is_authenticated
            and user.is_active
            and user.groups.filter(name=settings.TAKEDOWN_SCREENING_GROUP).exists()
        )
