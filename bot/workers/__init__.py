"""Processes past one machine (PostgreSQL): `worker` (polls and delivers from the shared queue) and `gateway`
(holds the chat connections for slash commands)."""
