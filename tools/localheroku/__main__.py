import sys

from localheroku.cli import main

sys.exit(main())
