"""The application shell of review-triage: settings and the `triage` command line."""
