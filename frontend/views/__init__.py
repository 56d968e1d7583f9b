"""Page views: templates rendered from read-only selectors; every write goes through /api/v1."""
