"""What proves the Pulumi program without AWS: the mock runtime and plan export, the local AWS emulator
and the rehearsal that creates every resource in it. Nothing the program imports imports this package."""
