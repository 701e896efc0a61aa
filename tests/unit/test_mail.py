"""Mail backends and sandboxed email templates."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from kastoma.core.emails import (
    builtin_template_names,
    ensure_default_templates,
    get_template,
    render_template,
    send_templated_email,
)
from kastoma.core.mail import Mail, SMTPBackend, send_mail
from kastoma.core.models import EmailTemplate
from kastoma.errors import NotFound, ValidationFailed
from kastoma.extensions import db
from tests.conftest import make_test_app

USER = {"username": "ada", "first_name": "Ada"}


def test_memory_backend_collects_messages(app, outbox):
    assert send_mail(Mail(["a@example.com"], "Hi", "Body"))
    assert len(outbox) == 1 and outbox[0].to == ["a@example.com"]
    assert outbox[0].sender == app.config["MAIL_DEFAULT_SENDER"]


def test_builtin_templates_render_with_store_name(app, outbox):
    assert {"welcome", "password_reset", "order_confirmation", "order_status"} <= set(builtin_template_names())
    assert send_templated_email(
        "password_reset", "ada@example.com", {"user": USER, "token": "tok-123", "expires_minutes": 60}
    )
    mail = outbox[0]
    assert mail.subject == "Reset your Kastoma Store password"
    assert "tok-123" in mail.body_text and "Hello Ada" in mail.body_text


def test_stored_template_overrides_default(app, outbox):
    db.session.add(
        EmailTemplate(
            name="welcome",
            subject="Hey {{ user.username }}",
            body_text="Welcome!",
            body_html="<p>{{ user.first_name }}</p>",
        )
    )
    db.session.commit()
    send_templated_email("welcome", "ada@example.com", {"user": {**USER, "first_name": "<b>Ada</b>"}})
    assert outbox[0].subject == "Hey ada"
    assert outbox[0].body_html == "<p>&lt;b&gt;Ada&lt;/b&gt;</p>", "HTML bodies are autoescaped"


def test_template_edits_apply_to_the_next_email(app, outbox):
    """Templates are cached with the settings: every committed edit is seen by the next send."""

    def welcome_subject() -> str:
        send_templated_email("welcome", "ada@example.com", {"user": USER})
        return outbox[-1].subject

    shipped = welcome_subject()
    template = EmailTemplate(name="welcome", subject="Hi {{ user.username }}", body_text="Welcome!")
    db.session.add(template)
    db.session.commit()
    assert welcome_subject() == "Hi ada"
    template.subject = "Hello again {{ user.username }}"
    db.session.commit()
    assert welcome_subject() == "Hello again ada"
    template.is_active = False
    db.session.commit()
    assert welcome_subject() == shipped


@pytest.mark.parametrize(
    "attack",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ user.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{% set x = [].append(1) %}{{ x }}",
    ],
)
def test_templates_cannot_reach_python_internals(app, attack):
    template = EmailTemplate(name="evil", subject="s", body_text=attack)
    with pytest.raises(ValidationFailed):
        render_template(template, {"user": USER})


def test_broken_stored_template_falls_back_to_default(app, outbox, caplog):
    db.session.add(EmailTemplate(name="welcome", subject="x", body_text="{{ ''.__class__.__mro__ }}"))
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="kastoma.mail"):
        assert send_templated_email("welcome", "ada@example.com", {"user": USER})
    assert outbox[0].subject.startswith("Welcome to Kastoma Store")


def test_unknown_template(app):
    with pytest.raises(NotFound):
        get_template("does_not_exist")


def test_default_templates_are_stored_once(app):
    created = ensure_default_templates()
    db.session.commit()
    assert created == len(builtin_template_names())
    assert ensure_default_templates() == 0


def smtp_server(received: list[bytes], greeting_delay: float = 0.0) -> tuple[int, threading.Thread]:
    """A tiny SMTP server on loopback, for one conversation; returns its port and its thread."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        f = conn.makefile("rwb")

        def reply(line: str) -> None:
            f.write(line.encode() + b"\r\n")
            f.flush()

        time.sleep(greeting_delay)  # a slow relay
        reply("220 test ESMTP")
        while line := f.readline():
            cmd = line.decode().strip().upper()
            if cmd.startswith(("EHLO", "HELO")):
                reply("250 test")
            elif cmd == "DATA":
                reply("354 go ahead")
                while (data := f.readline()) != b".\r\n":
                    received.append(data)
                reply("250 queued")
            elif cmd == "QUIT":
                reply("221 bye")
                break
            else:
                reply("250 ok")
        conn.close()
        server.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server.getsockname()[1], thread


def smtp_app(tmp_path_factory, port: int):
    return make_test_app(
        tmp_path_factory,
        MAIL_BACKEND="smtp",
        MAIL_PORT=port,
        MAIL_SERVER="127.0.0.1",
        SQLALCHEMY_DATABASE_URI="sqlite://",
    )


def test_smtp_backend_delivers_to_a_real_smtp_server(tmp_path_factory):
    received: list[bytes] = []
    port, thread = smtp_server(received)
    app = smtp_app(tmp_path_factory, port)
    with app.app_context():
        assert send_mail(Mail(["bob@example.com"], "Order shipped", "It is on its way."))
        app.extensions["kastoma_mail"].wait()
    thread.join(timeout=5)
    text = b"".join(received).decode()
    assert "Subject: Order shipped" in text and "bob@example.com" in text and "It is on its way." in text


def test_a_slow_smtp_relay_does_not_hold_the_request(tmp_path_factory):
    """The SMTP conversation happens in the sender thread: the caller returns at once."""
    received: list[bytes] = []
    port, thread = smtp_server(received, greeting_delay=1.5)
    app = smtp_app(tmp_path_factory, port)
    with app.app_context():
        started = time.perf_counter()
        assert send_mail(Mail(["bob@example.com"], "Order placed", "Thank you."))
        assert time.perf_counter() - started < 0.5
        assert received == []
        app.extensions["kastoma_mail"].wait()
    thread.join(timeout=5)
    assert "Subject: Order placed" in b"".join(received).decode()


def test_smtp_failure_is_logged_not_raised(tmp_path_factory, caplog):
    app = smtp_app(tmp_path_factory, 1)  # nothing listens on port 1
    with app.app_context(), caplog.at_level(logging.ERROR, logger="kastoma.mail"):
        assert isinstance(app.extensions["kastoma_mail"], SMTPBackend)
        assert send_mail(Mail(["bob@example.com"], "x", "y")) is True  # handed to the sender
        app.extensions["kastoma_mail"].wait()
    assert any("delivery failed" in r.message for r in caplog.records)
