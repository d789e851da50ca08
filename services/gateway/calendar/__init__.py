"""Calendar days set by the bureau (工作日历)."""
