"""Offline model training and measurement scripts (not part of the installed package)."""
