"""E-mail over real SMTP: the worker sends the receipt, the decision and the uploader's notice
to a local SMTP server."""

import email
import threading

from aiosmtpd.controller import Controller

from tests.servers import free_port
from tests.service.support import (
    case_id_of,
    claim_and_uphold,
    create_staff,
    demo_post_ids,
    file_notice,
    wait_until,
)


class Mailbox:
    """An SMTP server's handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.Message]:
        with self.lock:
            return [m for m in self.messages if address in m["X-Envelope-To"]]


def test_the_worker_delivers_every_message_over_smtp(deployment):
    mailbox = Mailbox()
    port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        deployment.extra_env.update(
            {
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(port),
                "EMAIL_USE_TLS": "false",
                "DEFAULT_FROM_EMAIL": "takedown@platform.example",
            }
        )
        deployment.start_app()
        deployment.start_worker()
        tokens = create_staff(deployment, ["smtp_moderator"])

        filed = file_notice(deployment, demo_post_ids(deployment, "glow.clinic")).body
        reference = filed["reference"]

        receipts = wait_until(
            lambda: mailbox.to("mei.lin@example.com"), timeout=30, what="the receipt e-mail"
        )
        assert reference in receipts[0]["Subject"]
        assert receipts[0]["From"] == "takedown@platform.example"
        assert filed["tracking_token"] in receipts[0].get_payload(decode=True).decode()

        claim_and_uphold(deployment, tokens["smtp_moderator"], case_id_of(deployment, reference))

        decision = wait_until(
            lambda: [m for m in mailbox.to("mei.lin@example.com") if "upheld" in m["Subject"]],
            timeout=30,
            what="the decision e-mail",
        )
        assert "without consent" in decision[0].get_payload(decode=True).decode()
        uploader = wait_until(
            lambda: [m for m in mailbox.messages if "restricted" in m["Subject"]],
            timeout=30,
            what="the uploader's notice",
        )
        assert reference in uploader[0].get_payload(decode=True).decode()
    finally:
        smtp.stop()
