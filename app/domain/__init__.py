"""Pure domain rules: errors, the status machine, phone and duration parsing. No database, no Flask."""
