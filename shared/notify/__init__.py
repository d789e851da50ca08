"""Notifications people receive: reminders queued once and sent once, by e-mail (SMTP) and SMS.

- `models.Reminder`: the send queue (one table in each service that reminds).
- `reminders`: `queue()` for a service's due scan, `send_due()` the sender, lead-time helpers.
- `mail`: SMTP (`SMTP_*` settings) or, with no SMTP_HOST, a logging mailer for development.
- `sms`: the provider interface and `LoggingSmsProvider` (`SMS_PROVIDER`).
- `settings.NotifySettings`: the settings base of a service that sends reminders.
"""
