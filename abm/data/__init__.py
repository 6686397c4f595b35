"""Package data: cited NHS tables and the innovation catalogue."""
