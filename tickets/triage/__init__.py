"""Triage: what a new ticket's text says about its priority and category (issue 9, in progress)."""
