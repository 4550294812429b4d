"""The application shell of review-triage: the `triage` command line."""
