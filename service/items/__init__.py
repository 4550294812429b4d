"""Items and their review workflow: intake (classify and store), the human steps and
escalation (transitions), reviews, reading items and the queue, the corrections export;
the /v1/classify and /v1/items routes."""
