"""``python -m normalizer`` runs the ``zhnorm`` command."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="zhnorm")
