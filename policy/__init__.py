"""Security and reliability controls as code: a Pulumi CrossGuard pack and an offline checker.

``policy.controls`` holds the rules as plain functions; ``policy.pack`` wraps them as CrossGuard
policies (``pulumi preview --policy-pack policy``); ``python -m policy.check`` runs the same rules over
the graph the mock runtime records, without the Pulumi CLI.
"""
