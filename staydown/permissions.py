from django.conf import settings
from rest_framework.permissions import BasePermission

from cases.roles import is_staff_member


class CanScreen(BasePermission):
    """Staff (moderator, legal, admin), or the platform's own account: a user in the group
    named by TAKEDOWN_SCREENING_GROUP, signing its calls with its API token."""

    message = (
        "Screening is for the platform's screening account (group "
        f"'{settings.TAKEDOWN_SCREENING_GROUP}') or trust-and-safety staff."
    )

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
