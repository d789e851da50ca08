"""Reminders people receive (提醒): the assigned lawyer before an opinion request is due, the review panel
before a review (复查/复核) is due; by e-mail, queued and sent through shared/notify."""
