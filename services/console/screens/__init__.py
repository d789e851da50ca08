"""The console's screens: one module per screen, each with a `router` (mounted by `main.create_app`)."""
