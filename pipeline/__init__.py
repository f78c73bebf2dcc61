"""dcradar pipeline: extraction, processing and storage stages."""
