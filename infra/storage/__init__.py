"""Storage domain: the project KMS key and the artifact, capture and access-log buckets."""
