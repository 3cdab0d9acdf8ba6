"""Scaling domain: target tracking on invocations per instance for realtime endpoints."""
