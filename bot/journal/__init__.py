"""The incident journal: guided entries, encrypted at rest, PIN-lockable, tamper-evident, exportable."""
