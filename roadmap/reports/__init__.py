"""Reports: PDF summaries (WeasyPrint, in a worker process), action trackers, event backups."""

from . import live  # noqa: F401  (socket handler organiser:join)
