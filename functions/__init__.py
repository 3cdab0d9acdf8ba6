"""What runs in AWS Lambda: S3 batch scoring (``functions.scoring``) and the HTTP API (``functions.http_api``)."""
