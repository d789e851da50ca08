"""E-mail over SMTP (smtplib, in the scheduler's worker thread), one connection per sender run."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

log = logging.getLogger("suite.notify.email")


class EmailError(Exception):
    """The SMTP server did not take the message."""


def mask_email(address: str | None) -> str:
    """`z***@example.org`: the first character of the local part and the domain."""
    if not address or "@" not in address:
        return "***"
    local, _, domain = address.rpartition("@")
    return (local[:1] or "*") + "***@" + domain


def build_message(sender: str, to: str, subject: str, body: str, message_id: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id or make_msgid(domain="petition-suite.invalid")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    msg.set_content(body, charset="utf-8")
    return msg


class SmtpMailer:
    """Sends e-mails through the configured SMTP server, reusing one connection until `close()`."""

    name = "smtp"

    def __init__(self, settings) -> None:
        self.s = settings
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.s
        if s.smtp_ssl:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout,
                                                  context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        try:
            conn.ehlo_or_helo_if_needed()
            if s.smtp_starttls and not s.smtp_ssl:
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if s.smtp_user:
                conn.login(s.smtp_user, s.smtp_password)
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, to: str, subject: str, body: str, message_id: str | None = None) -> str:
        msg = build_message(self.s.smtp_from, to, subject, body, message_id)
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.send_message(msg)
        except (smtplib.SMTPException, OSError) as e:
            self.close()
            raise EmailError(f"{type(e).__name__}: {e}") from e
        if refused:
            raise EmailError(f"refused: {sorted(refused.values())}")
        return msg["Message-ID"]

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()


class LoggingMailer:
    """No SMTP_HOST set (development): logs the e-mail with the address masked; sends nothing."""

    name = "logging"

    def __init__(self, settings=None) -> None:
        self.s = settings

    def send(self, to: str, subject: str, body: str, message_id: str | None = None) -> str | None:
        log.info("e-mail to %s: %s", mask_email(to), subject)
        return None

    def close(self) -> None:
        pass


def make_mailer(settings):
    return SmtpMailer(settings) if settings.smtp_host else LoggingMailer(settings)
