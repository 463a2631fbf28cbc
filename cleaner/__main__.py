from cleaner.cli import entry

entry()
