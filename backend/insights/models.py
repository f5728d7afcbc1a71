"""Insights owns no tables: it only reads what sharing and listening wrote."""
