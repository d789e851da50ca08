"""Printed documents of the lawyers service: the 法律意见书 (PDF, templates in templates/)."""
