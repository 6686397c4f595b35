"""``python -m abm.report RUN_DIR [--out PATH] [--png]``: same as ``nhs-abm-report``."""

from .build import main

if __name__ == "__main__":
    main()
