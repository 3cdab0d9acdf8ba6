"""Pulumi program: per-stack SageMaker serving infrastructure for the trained artifact."""
