"""Storage stage: the SQLite schema and the reads and writes the other stages share."""
