"""Crawling stage: sources as data, one generic news spider, crawler hygiene."""
