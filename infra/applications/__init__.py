"""Applications that call the endpoint: Lambda functions (S3 batch scoring, the HTTP API's handler)."""
