"""The routing policy: who owns an item, which response rule applies, when it is due;
GET /v1/policy."""
