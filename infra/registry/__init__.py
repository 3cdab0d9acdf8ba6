"""Registry domain: the stack's SageMaker Model Package Group, its approval events, and the version it deploys."""
