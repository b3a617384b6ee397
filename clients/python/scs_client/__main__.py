"""python -m scs_client tail|fetch …"""

import sys

from .cli import main

sys.exit(main())
