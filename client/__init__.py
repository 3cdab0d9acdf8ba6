"""What applications import to call the platform.

client.endpoint calls a SageMaker endpoint; client.text analyses text with Amazon Comprehend.
"""
