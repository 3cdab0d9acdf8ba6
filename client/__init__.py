"""Client libraries that call the platform's AWS services from application code."""
