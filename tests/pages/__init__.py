"""Rows of the page permission table, one module per app (see tests/test_page_permissions.py)."""
