"""``make demo``: the whole platform end to end on one machine, with no AWS account and no Pulumi CLI."""
