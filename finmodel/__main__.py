"""``python -m finmodel``: the same as the ``finmodel`` command."""
from .cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
