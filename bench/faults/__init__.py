"""The fault suite: the four services as separate processes on Apache Kafka and PostgreSQL, a workload with
duplicates and poison, one fault at a time, and the final state checked against expectations computed apart from
the services' code. ``python -m bench.faults --help``."""
