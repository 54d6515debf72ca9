"""``python -m tinyaug ...`` runs the ``tinyaug`` command."""
import sys

from .cli import main

sys.exit(main())
