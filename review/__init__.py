"""Review before apply: plan snapshots, plan diff with replacement rules, and a monthly cost estimate.

Everything here runs offline over the graph ``offline.mocks.run_program`` records; nothing needs the
Pulumi CLI, the AWS provider plugin or an AWS account.
"""
