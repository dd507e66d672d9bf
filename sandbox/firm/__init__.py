"""The synthetic services firm: deterministic from a seed, with planted breaks and their ground truth."""
