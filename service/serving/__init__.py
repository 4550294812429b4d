"""The served model: loading it and following @champion (holder), its audit sample and the
auto-apply switches (audit), the /v1/model routes."""
