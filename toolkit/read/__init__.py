"""Bytes → grids → ledgers: the inbox, the sandboxed file readers, returned ledgers, the issue list,
and the import of an upper office's table."""
