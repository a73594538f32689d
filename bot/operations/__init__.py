"""The operator's commands that work on the data folder itself, apart from the running bot: backup and restore.

Plain functions over the file system and SQLite (stdlib sqlite3, synchronous: they run in their own short
process); no Telegram. The command line (bot/cli.py) maps their errors to exit codes.
"""
