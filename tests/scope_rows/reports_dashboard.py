"""Scope rows of the dashboards and targets (chibo.reports.views): being written."""

ROWS: list = []
