"""Where things live inside the stack's buckets; every IAM grant is scoped to exactly these prefixes."""

MODELS_PREFIX = "models/"
CAPTURE_PREFIX = "capture/"
MONITORING_PREFIX = "monitoring/"
