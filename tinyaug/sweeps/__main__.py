"""``python -m tinyaug.sweeps ...`` is ``tinyaug sweep ...``."""
import sys

from . import main

if __name__ == "__main__":  # importing this module (as the op registry test does) runs nothing
    sys.exit(main())
