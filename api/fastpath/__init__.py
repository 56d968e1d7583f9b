"""The booking rush's shortcuts around Django and DRF, in one place: see README.md here.

Each module says what it skips, and a test under tests/api/fastpath/ proves its answers equal
to the plain path's.
"""
