"""The private network: a VPC of the stack's own or one the user brings."""
