"""Serving domain: the endpoint configuration and the endpoint, updated in place with blue/green rollout."""
