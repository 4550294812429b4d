"""review-triage core library: labels, red-flag rules, features, classifier and decision policy.

Pure code: no web framework, no database. `service/` and `training/` build on it.
"""
