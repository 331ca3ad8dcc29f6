"""The Slack front end: the /milestones slash command, Block Kit alerts and the outbox sink (slack-bolt)."""
