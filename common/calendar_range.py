"""The days the service reasons about: dates outside them are refused as input (a 400 in the
API, a page's default on the pages), so no date arithmetic ever reaches year 1 or 9999."""

import datetime as dt

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
