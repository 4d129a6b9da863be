"""Pieces of the scheduler that need no database loop: cron times, budget, file watching, views."""
