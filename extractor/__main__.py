"""``python -m extractor`` runs the command line (same as the ``extractor`` console script)."""
from .cli import app

if __name__ == "__main__":
    app(prog_name="extractor")
