"""`python -m sandbox …` is `c2c sandbox …`."""

from .cli import sandbox

if __name__ == "__main__":
    sandbox(prog_name="python -m sandbox")
