"""Exports of the accountability report as files, with no cap on their size: a job per request
(models), built in the request when small and by a Celery task otherwise (services), read back by
whoever asked and the ministry's admins only (selectors), written through
`tickets.reports.writer.report_file_write` into MEDIA_ROOT/exports/ (files)."""
