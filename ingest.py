"""Index the guidance corpus: ``python ingest.py --help``."""

import sys

from assistant.cli import ingest_parser, main

if __name__ == "__main__":
    sys.exit(main(parser=ingest_parser()))
