"""`python3 -m hotline ...`: the `hotline` command, where console scripts are not on PATH."""

from hotline.cli import main

main(prog_name="hotline")
