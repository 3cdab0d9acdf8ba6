"""Log groups the stack creates before the services that write to them."""
