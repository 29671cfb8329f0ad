"""`python -m tongpan`: the `tongpan` command, for where the console script is not on PATH."""

from tongpan.cli import app

if __name__ == "__main__":
    app()
