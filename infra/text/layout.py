"""Where the text domain lives in the stack's artifact bucket (the project's prefix convention)."""

TEXT_PREFIX = "text/"
# Recognizer training data, content-addressed: text/training/<sha256 of the file>/<file name>.
TRAINING_PREFIX = "text/training/"
# Text files the analysis function picks up, and where Comprehend jobs write their output.
INCOMING_PREFIX = "text/incoming/"
OUTPUT_PREFIX = "text/output/"


def training_key(sha256: str, file_name: str) -> str:
    return f"{TRAINING_PREFIX}{sha256}/{file_name}"
