"""Printed documents of mediation: the 调解协议书 and the 调解笔录 (PDF, templates in templates/)."""
