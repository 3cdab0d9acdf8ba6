"""Where things live inside the stack's buckets; every IAM grant is scoped to exactly these prefixes."""

MODELS_PREFIX = "models/"
CAPTURE_PREFIX = "capture/"
MONITORING_PREFIX = "monitoring/"
# Managed training, in the artifact bucket: its input data, and everything a job stages and writes.
DATA_PREFIX = "data/"
TRAINING_OUTPUT_PREFIX = "training-output/"
# The scoring function's outputs (functions.settings.PREDICTIONS_PREFIX): multipart uploads it abandons
# (a crash mid-file) are aborted after a day instead of the bucket-wide week.
PREDICTIONS_PREFIX = "predictions/"
# The repository's notebooks, copied here by the stack and onto the notebook instance when it starts.
NOTEBOOKS_PREFIX = "notebooks/"
