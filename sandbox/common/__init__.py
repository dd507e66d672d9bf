"""Pieces shared by the four vendor simulators and the sandbox runner."""
