"""ClinicalTrials.gov API v2 watcher: batched refresh, snapshots, field diffs, one alert per new version."""
