"""Where things live inside the stack's buckets; every IAM grant is scoped to exactly these prefixes."""

MODELS_PREFIX = "models/"
CAPTURE_PREFIX = "capture/"
MONITORING_PREFIX = "monitoring/"
DATA_PREFIX = "data/"
TRAINING_OUTPUT_PREFIX = "training-output/"
# The repository's notebooks, copied here by the stack and onto the notebook instance when it starts.
NOTEBOOKS_PREFIX = "notebooks/"
