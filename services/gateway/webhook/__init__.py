"""Webhooks to the petition system (省一体化信访系统): subscriptions, signed deliveries, retries."""
