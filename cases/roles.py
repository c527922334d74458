"""Who is acting: staff roles are Django groups; complainants and the system are actors too."""

from __future__ import annotations

from dataclasses import dataclass

MODERATOR = "moderator"
LEGAL = "legal"
ADMIN = "admin"
COMPLAINANT = "complainant"
UPLOADER = "uploader"
SYSTEM = "system"

STAFF_ROLES = (MODERATOR, LEGAL, ADMIN)


def staff_roles(user) -> frozenset[str]:
    """The staff roles a user holds; a superuser holds them all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(STAFF_ROLES)
    cached = getattr(user, "_takedown_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))
        cached = frozenset(names)
        user._takedown_roles = cached
    return cached


def is_staff_member(user) -> bool:
    return bool(staff_roles(user))


@dataclass(frozen=True)
class Actor:
    roles: frozenset[str]
    label: str
    user: object | None = None

    @classmethod
    def staff(cls, user) -> Actor:
        return cls(roles=staff_roles(user), label=user.get_username(), user=user)

    @classmethod
    def complainant(cls) -> Actor:
        return cls(roles=frozenset({COMPLAINANT}), label=COMPLAINANT)

    @classmethod
    def uploader(cls) -> Actor:
        return cls(roles=frozenset({UPLOADER}), label=UPLOADER)

    @classmethod
    def system(cls) -> Actor:
        return cls(roles=frozenset({SYSTEM}), label=SYSTEM)

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)
