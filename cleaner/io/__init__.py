"""Readers make input items from files; writers consume cleaned documents."""
