"""The pattern worker (issue 18): off the request path, every stored item gets its theme and
is shown to the burst detector, whose decisions open and grow incidents."""
