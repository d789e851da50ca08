"""The lawyers service's own figures: the monthly report (月度报表)."""
