"""What applications import: the SageMaker endpoint client (client.endpoint) and text analysis with Amazon Comprehend (client.text)."""
