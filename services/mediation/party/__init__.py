"""Parties' personal data (sealed, hashed, masked by role) and identity (the same person across sessions)."""
