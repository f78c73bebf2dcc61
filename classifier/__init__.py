"""Tagging stage: relevance, organisations and their roles, places, capacity, money."""
