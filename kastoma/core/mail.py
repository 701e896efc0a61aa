"""Mail delivery backends: console (development), memory (tests) and SMTP (production)."""

from __future__ import annotations

import logging
import smtplib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import EmailMessage

from flask import Flask, current_app

log = logging.getLogger("kastoma.mail")


@dataclass
class Mail:
    to: list[str]
    subject: str
    body_text: str
    body_html: str = ""
    sender: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def to_email_message(self) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        msg["Subject"] = self.subject
        for name, value in self.headers.items():
            msg[name] = value
        msg.set_content(self.body_text)
        if self.body_html:
            msg.add_alternative(self.body_html, subtype="html")
        return msg


class ConsoleBackend:
    """Writes each message to the log, so developers can read password-reset links."""

    def send(self, mail: Mail) -> None:
        log.info("email to %s: %s\n%s", ", ".join(mail.to), mail.subject, mail.body_text)


class MemoryBackend:
    """Keeps messages in `outbox` for tests to inspect."""

    def __init__(self) -> None:
        self.outbox: list[Mail] = []

    def send(self, mail: Mail) -> None:
        self.outbox.append(mail)


class SMTPBackend:
    """Delivers through an SMTP server from a sender thread of this process, so the SMTP
    conversation (seconds with a slow relay, MAIL_TIMEOUT when it is down) never holds the
    request that sent the mail, e.g. a checkout. Messages go out one at a time, in order; a
    failure is logged. On a graceful shutdown the interpreter waits for the queue to drain; a
    killed worker loses what it had not sent yet."""

    def __init__(self, app: Flask) -> None:
        self.config = app.config
        # Threads start with the first message: none exists before gunicorn forks its workers.
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kastoma-smtp")

    def send(self, mail: Mail) -> None:
        self._sender.submit(self._deliver, mail)

    def wait(self) -> None:
        """Return once every message handed over so far has been delivered or has failed."""
        self._sender.submit(lambda: None).result()

    def _deliver(self, mail: Mail) -> None:
        c = self.config
        try:
            smtp_cls = smtplib.SMTP_SSL if c["MAIL_USE_SSL"] else smtplib.SMTP
            with smtp_cls(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"]) as smtp:
                if c["MAIL_USE_TLS"] and not c["MAIL_USE_SSL"]:
                    smtp.starttls()
                if c["MAIL_USERNAME"]:
                    smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
                smtp.send_message(mail.to_email_message())
        except (OSError, smtplib.SMTPException):
            log.exception("email delivery failed", extra={"to": mail.to, "subject": mail.subject})


def init_mail(app: Flask) -> None:
    name = app.config["MAIL_BACKEND"]
    backends = {"console": ConsoleBackend, "memory": MemoryBackend, "smtp": lambda: SMTPBackend(app)}
    if name not in backends:
        raise RuntimeError(f"Unknown MAIL_BACKEND {name!r}; expected one of {', '.join(backends)}")
    app.extensions["kastoma_mail"] = backends[name]()


def mail_backend() -> ConsoleBackend | MemoryBackend | SMTPBackend:
    return current_app.extensions["kastoma_mail"]


def send_mail(mail: Mail) -> bool:
    """Deliver `mail` (SMTP: hand it to the sender thread); a delivery failure is logged, never
    raised to the customer's request. False when the backend refused it at once."""
    mail.sender = mail.sender or current_app.config["MAIL_DEFAULT_SENDER"]
    try:
        mail_backend().send(mail)
    except (OSError, smtplib.SMTPException):
        log.exception("email delivery failed", extra={"to": mail.to, "subject": mail.subject})
        return False
    return True
