"""Jinja filters of this template, loaded by cookiecutter (``_extensions`` in cookiecutter.json).

Cookiecutter creates the project folder before any hook runs, so an answer that
cannot be a folder name at all (longer than the 255 bytes file systems allow)
would end in cookiecutter's own ``OSError`` traceback, and the pre-generation
hook, which checks every other answer, would never see it. The check here runs
while the answers are rendered, before anything is written, and raises the
exception cookiecutter reports as a plain message (its command line prints it
and exits 1, without a traceback). The hook still applies the stricter limit
(``MAX_NAME`` characters) with the same wording.
"""

from __future__ import annotations

from cookiecutter.exceptions import FailedHookException
from cookiecutter.utils import simple_filter

# The longest file name most file systems allow (ext4, APFS, NTFS: 255 bytes or characters).
MAX_FOLDER_BYTES = 255
MAX_NAME = 64  # as in hooks/pre_gen_project.py, for the advice


@simple_filter
def folder_name_fits(project: str) -> str:
    """Return ``project`` unchanged if it can name a folder; otherwise stop generating.

    Raises:
        FailedHookException: ``project`` is longer than any folder name can be.
    """
    size = len(str(project).encode("utf-8"))
    if size <= MAX_FOLDER_BYTES:
        return project
    msg = (
        "cookiecutter-rap: cannot generate the project:\n"
        f"  - project is {len(str(project))} characters long: keep it to {MAX_NAME} or fewer "
        "(it is a folder name; longer ones break paths). Give a shorter project_name or project."
    )
    raise FailedHookException(msg)
