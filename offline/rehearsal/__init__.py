"""The emulator rehearsal: the real program creating every resource in a local moto server, then read back."""
