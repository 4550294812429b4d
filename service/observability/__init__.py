"""Operating the service: Prometheus metrics, request logs and request ids."""
