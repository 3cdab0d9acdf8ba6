"""`python -m monitoring status ...`: see monitoring/status.py."""

import sys

from monitoring.status import main

sys.exit(main())
