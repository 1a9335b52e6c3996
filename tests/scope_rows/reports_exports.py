"""Scope rows of the exports (chibo.reports.views_exports): being written."""

ROWS: list = []
