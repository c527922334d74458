"""The adapter for the built-in demo platform (demo_platform), in the same process and database.

It is what the embedded default moderates: a measure taken on a case really changes what the
post's public page answers. It never makes a network request: a reported URL is only parsed and
matched against the platform's own URL patterns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext

from demo_platform.models import Account, Post, PostEvent, UploaderMessage

from .base import (
    ContentRef,
    FetchedContent,
    InvalidContentReference,
    MeasureResult,
    PlatformAdapter,
    PlatformError,
)
from .references import join_or, shorten, url_on_hosts

CONTENT_ID_RE = re.compile(r"^post-(\d+)$", re.IGNORECASE)
# Larger numbers cannot be a primary key (and would overflow the database integer).
MAX_PK = 2**63 - 1
# The URL names (demo_platform/urls.py) that designate one post.
POST_URL_NAMES = {"demo_platform:post", "demo_platform:post_image"}
# What each measure leaves the post as.
TARGET_STATE = {
    PostEvent.Measure.DELETE: Post.State.DELETED,
    PostEvent.Measure.DISCONNECT_LINK: Post.State.DISCONNECTED,
    PostEvent.Measure.BLOCK: Post.State.BLOCKED,
    PostEvent.Measure.RESTORE: Post.State.LIVE,
}
# A measure never weakens a stronger restriction already in place: blocking a deleted post
# leaves it deleted. Only restore lifts a restriction.
SEVERITY = {
    Post.State.LIVE: 0,
    Post.State.DISCONNECTED: 1,
    Post.State.BLOCKED: 2,
    Post.State.DELETED: 3,
}


def _blocked_in(post: Post, measure: str, to_state: str, scope: Sequence[str]) -> list[str]:
    """The countries a blocked post is withheld in after ``measure`` (empty: everywhere). A
    second block widens the first; a block everywhere covers any narrower one."""
    if to_state != Post.State.BLOCKED:
        return []
    countries = sorted({code.upper() for code in scope})
    if measure != PostEvent.Measure.BLOCK:
        return post.blocked_in  # a block left in place by a weaker measure
    if post.state != Post.State.BLOCKED:
        return countries
    if not countries or not post.blocked_in:
        return []
    return sorted(set(post.blocked_in) | set(countries))


class DemoPlatformAdapter(PlatformAdapter):
    # --- reading -------------------------------------------------------------------------------

    def resolve(self, reference: str) -> ContentRef:
        text = (reference or "").strip()
        if not text:
            raise InvalidContentReference(
                "Enter the address of a post page on this platform, for example "
                f"{self._post_url(12)}, or a content id like post-12."
            )
        match = CONTENT_ID_RE.match(text)
        pk = int(match.group(1)) if match else self._pk_from_url(text)
        if pk > MAX_PK or not Post.objects.filter(pk=pk).exists():
            raise InvalidContentReference(f"post-{pk} does not exist on this platform.")
        return ContentRef(content_id=f"post-{pk}", url=self._post_url(pk))

    def fetch_content(self, content_id: str) -> FetchedContent:
        post = self._get_post(content_id, Post.objects.select_related("account"))
        # The bytes are returned whatever the state: the platform keeps them (a restore needs
        # them) and the reviewer compares them; ``status`` says what the public sees.
        return FetchedContent(
            content_id=post.content_id,
            url=self._post_url(post.pk),
            uploader_id=post.account.handle,
            uploader_name=post.account.display_name,
            image_bytes=bytes(post.image) if post.image else None,
            status=post.state,
            posted_at=post.created_at,
        )

    # --- measures ------------------------------------------------------------------------------

    def delete(self, content_id: str, *, idempotency_key: str) -> MeasureResult:
        return self._apply(content_id, PostEvent.Measure.DELETE, idempotency_key)

    def disconnect_link(self, content_id: str, *, idempotency_key: str) -> MeasureResult:
        return self._apply(content_id, PostEvent.Measure.DISCONNECT_LINK, idempotency_key)

    def block(
        self, content_id: str, *, idempotency_key: str, territorial_scope: Sequence[str] = ()
    ) -> MeasureResult:
        return self._apply(content_id, PostEvent.Measure.BLOCK, idempotency_key, territorial_scope)

    def restore(self, content_id: str, *, idempotency_key: str) -> MeasureResult:
        return self._apply(content_id, PostEvent.Measure.RESTORE, idempotency_key)

    def restrict_account(
        self, uploader_id: str, measure: str, *, idempotency_key: str
    ) -> MeasureResult:
        if measure != "suspend":
            raise PlatformError(
                f"The demo platform offers the account measure suspend, not {measure!r}.",
                transient=False,
            )
        account = Account.objects.filter(handle=uploader_id).first()
        if account is None:
            raise PlatformError(f"No account {uploader_id!r} on this platform.", transient=False)
        # Suspending twice keeps the first time: the call is idempotent.
        Account.objects.filter(pk=account.pk, suspended_at__isnull=True).update(
            suspended_at=timezone.now()
        )
        account.refresh_from_db()
        return MeasureResult(
            ok=True,
            response={
                "account": account.handle,
                "measure": "suspend",
                "suspended_at": account.suspended_at.isoformat(),
                "idempotency_key": idempotency_key,
            },
        )

    def lift_account_measure(
        self, uploader_id: str, measure: str, *, idempotency_key: str
    ) -> MeasureResult:
        account = Account.objects.filter(handle=uploader_id).first()
        if account is None:
            raise PlatformError(f"No account {uploader_id!r} on this platform.", transient=False)
        # Lifting twice is lifting once: the call is idempotent.
        Account.objects.filter(pk=account.pk).update(suspended_at=None)
        return MeasureResult(
            ok=True,
            response={
                "account": account.handle,
                "measure": "restore",
                "lifts": measure,
                "idempotency_key": idempotency_key,
            },
        )

    def notify_uploader(self, content_id: str, *, subject: str, body: str) -> MeasureResult:
        post = self._get_post(content_id, Post.objects.select_related("account"))
        account = post.account
        message = UploaderMessage.objects.create(
            account=account, post=post, subject=subject, body=body
        )
        if account.email:
            # Sent once the message row is committed, so a rolled-back call mails nobody.
            transaction.on_commit(
                lambda: send_mail(
                    subject, body, settings.DEFAULT_FROM_EMAIL, [account.email], fail_silently=True
                )
            )
        return MeasureResult(
            ok=True,
            response={
                "content_id": post.content_id,
                "message_id": message.pk,
                "recipient": account.handle,
                "sent_at": message.created_at.isoformat(),
            },
        )

    # --- helpers -------------------------------------------------------------------------------

    def _apply(
        self, content_id: str, measure: str, idempotency_key: str, scope: Sequence[str] = ()
    ) -> MeasureResult:
        if not idempotency_key:
            raise PlatformError(
                "An idempotency key is required for every measure.", transient=False
            )
        pk = self._pk_from_content_id(content_id)
        try:
            with transaction.atomic():
                # The row lock serialises measures on one post, so two calls with the same key
                # cannot both find it unused.
                post = Post.objects.select_for_update().filter(pk=pk).first()
                if post is None:
                    raise PlatformError(
                        f"{content_id} does not exist on this platform.", transient=False
                    )
                previous = PostEvent.objects.filter(idempotency_key=idempotency_key).first()
                if previous is not None:
                    return self._replay(previous, post, measure)
                now = timezone.now()
                from_state, to_state = post.state, TARGET_STATE[measure]
                if (
                    measure != PostEvent.Measure.RESTORE
                    and SEVERITY[from_state] > SEVERITY[to_state]
                ):
                    to_state = from_state
                blocked_in = _blocked_in(post, measure, to_state, scope)
                if from_state != to_state or blocked_in != post.blocked_in:
                    post.state, post.state_changed_at = to_state, now
                    post.blocked_in = blocked_in
                    post.save(update_fields=["state", "state_changed_at", "blocked_in"])
                response = {
                    "content_id": post.content_id,
                    "measure": measure,
                    "previous_state": from_state,
                    "state": to_state,
                    "blocked_in": blocked_in,
                    "applied_at": now.isoformat(),
                    "idempotency_key": idempotency_key,
                    "replayed": False,
                }
                PostEvent.objects.create(
                    post=post,
                    measure=measure,
                    from_state=from_state,
                    to_state=to_state,
                    idempotency_key=idempotency_key,
                    response=response,
                    created_at=now,
                )
        except IntegrityError as exc:
            # The same key raced in on another post: it was used, and not for this call.
            raise PlatformError(
                f"Idempotency key {idempotency_key!r} was already used for another call.",
                transient=False,
            ) from exc
        return MeasureResult(ok=True, response=response)

    def _replay(self, event: PostEvent, post: Post, measure: str) -> MeasureResult:
        if event.post_id != post.pk or event.measure != measure:
            raise PlatformError(
                f"Idempotency key {event.idempotency_key!r} was already used for "
                f"{event.measure} on post-{event.post_id}; use a new key for "
                f"{measure} on {post.content_id}.",
                transient=False,
                response=event.response,
            )
        return MeasureResult(ok=True, response={**event.response, "replayed": True})

    def _get_post(self, content_id: str, queryset) -> Post:
        post = queryset.filter(pk=self._pk_from_content_id(content_id)).first()
        if post is None:
            raise PlatformError(f"{content_id} does not exist on this platform.", transient=False)
        return post

    @staticmethod
    def _pk_from_content_id(content_id: str) -> int:
        match = CONTENT_ID_RE.match((content_id or "").strip())
        if not match:
            raise PlatformError(
                f"{content_id!r} is not a content id of this platform (expected post-<number>).",
                transient=False,
            )
        pk = int(match.group(1))
        if pk > MAX_PK:
            raise PlatformError(f"{content_id} does not exist on this platform.", transient=False)
        return pk

    def _pk_from_url(self, text: str) -> int:
        hosts = [host.lower() for host in settings.TAKEDOWN_PLATFORM_HOSTS]
        not_here = InvalidContentReference(
            gettext(
                "%(url)s is not on this platform: reported URLs must be post pages on %(hosts)s "
                "or content ids like post-12."
            )
            % {"url": shorten(text), "hosts": join_or(hosts)}
        )
        parts = url_on_hosts(text, hosts)
        if parts is None:
            raise not_here
        path = parts.path or "/"
        for candidate in (path, path if path.endswith("/") else path + "/"):
            try:
                found = resolve(candidate)
            except Resolver404:
                continue
            if found.view_name in POST_URL_NAMES:
                return int(found.kwargs["pk"])
        raise InvalidContentReference(
            f"{shorten(text)} is not a post page: reported URLs must look like "
            f"{self._post_url(12)} (or give a content id like post-12)."
        )

    @staticmethod
    def _post_url(pk: int) -> str:
        return settings.TAKEDOWN_SITE_URL.rstrip("/") + reverse("demo_platform:post", args=[pk])
