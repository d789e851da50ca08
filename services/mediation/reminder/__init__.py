"""Reminders people receive (提醒): parties by SMS and mediators by e-mail before a session; mediators
before a 司法确认 window closes and when a 回访 is due. Queued and sent through shared/notify."""
