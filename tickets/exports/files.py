"""Where export files live and how they are written: MEDIA_ROOT/exports/<32 random hex>.<format>,
written first to a `.part` beside it and renamed into place once complete, so a name that the
database calls ready is always a whole file. Nothing in a path comes from what a user typed."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404

EXPORTS_FOLDER = "exports"
# What each format is sent as (tickets.exports.models.ExportFormat's values).
EXPORT_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
}
PART_SUFFIX = ".part"


def exports_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / EXPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_file_name_new(*, fmt: str) -> str:
    """A fresh random name (tickets.exports.models.FILE_NAME_PATTERN); `fmt` is one of ExportFormat."""
    return f"{secrets.token_hex(16)}.{fmt}"


def export_path(file_name: str) -> Path:
    return exports_dir() / file_name


def export_part_path(file_name: str) -> Path:
    return exports_dir() / f"{file_name}{PART_SUFFIX}"


def export_files_remove(file_name: str) -> None:
    """The file and its part, where they are; missing ones are no error."""
    for path in (export_path(file_name), export_part_path(file_name)):
        path.unlink(missing_ok=True)


def export_file_finish(raw, *, file_name: str) -> None:
    """Make the written part durable and give it its final name (a rename is atomic)."""
    raw.flush()
    os.fsync(raw.fileno())
    raw.close()
    export_part_path(file_name).replace(export_path(file_name))


def export_file_response(job, *, filename: str) -> FileResponse:
    """The job's file as a download (the callers have checked who asks and that it is ready); 404
    if the file has gone from the disk behind the database's back."""
    try:
        handle = export_path(job.file_name).open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=EXPORT_CONTENT_TYPES[job.format])
