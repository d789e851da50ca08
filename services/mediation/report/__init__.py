"""The mediation service's own figures: the monthly report (调解工作月报)."""
