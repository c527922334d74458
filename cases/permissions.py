from rest_framework.permissions import BasePermission

from .roles import is_staff_member


class IsStaffMember(BasePermission):
    """Signed-in staff holding the moderator, legal or admin role."""

    message = "Only trust-and-safety staff (moderator, legal or admin) may use this endpoint."

    def has_permission(self, request, view):
        return is_staff_member(request.user)
