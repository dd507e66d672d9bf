from .cli import main

main(prog_name="c2c")
