"""AWS Lambda handlers deployed by the stacks."""
