"""What runs in AWS Lambda.

S3 batch scoring (functions.scoring), the HTTP API (functions.http_api), text analysis (functions.text_analysis).
"""
