"""``python -m tinyaug.sweeps ...`` is ``tinyaug sweep ...``."""
import sys

from . import main

sys.exit(main())
