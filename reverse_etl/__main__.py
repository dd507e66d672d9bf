from .cli import reverse_etl

reverse_etl(prog_name="python -m reverse_etl")
