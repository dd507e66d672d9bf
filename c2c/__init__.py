"""The `c2c` command: one entry point over the platform's parts (each also runs on its own)."""
