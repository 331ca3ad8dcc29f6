"""Decisions about a new event, as pure functions of the event and what is already known (no SQL here):
which programmes it names (programs), what it changes in the ledger and calendar (ledger), who receives it
(subscriptions). `watchers/record.py` runs them inside the poll's unit of work."""
