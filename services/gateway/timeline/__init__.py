"""The case timeline (案件时间线) and the event feed."""
