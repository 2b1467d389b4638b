"""The daily digest (issue 10): each morning, yesterday's figures of their scope by mail to supervisors
and the ministry's office, with the accountability report of that day attached as a PDF.
`selectors.py` reads (who gets it, the figures), `services.py` sends, once per user and day."""
