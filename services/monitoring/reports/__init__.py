"""The monitoring service's tables for people: the monthly warning list (附件1) and the quarterly summary (附件2)."""
