"""Fake identities of the offline runs: never a real account, never real credentials."""

# The account every mock runtime, emulator and test uses; AWS reserves no such id, and none is ours.
FAKE_ACCOUNT_ID = "123456789012"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
