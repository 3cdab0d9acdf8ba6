"""Model domain: the artifact, its serving image and the SageMaker model that serves it."""
