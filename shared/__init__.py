"""The suite's shared library: no domain code, only what all three services need."""
