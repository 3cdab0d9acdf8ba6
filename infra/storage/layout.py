"""Where things live inside the stack's buckets; every IAM grant is scoped to exactly these prefixes."""

MODELS_PREFIX = "models/"
CAPTURE_PREFIX = "capture/"
MONITORING_PREFIX = "monitoring/"
# The scoring function's outputs (functions.settings.PREDICTIONS_PREFIX): multipart uploads it abandons
# (a crash mid-file) are aborted after a day instead of the bucket-wide week.
PREDICTIONS_PREFIX = "predictions/"
