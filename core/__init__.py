"""The bottom layer of review-triage: the settings object and the error root, imported by
every other package and importing none of them."""
