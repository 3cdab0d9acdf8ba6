"""What applications import to call the platform's models (``client.endpoint``: a SageMaker endpoint)."""
