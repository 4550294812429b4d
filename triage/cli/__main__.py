"""`python -m triage.cli`: the same as the `triage` command."""

from triage.cli import main

main()
