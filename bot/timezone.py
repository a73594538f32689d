"""Kazakhstan's time, shared by every layer (dates she reads, working hours, daily usage counts).

Kazakhstan has used one time zone, UTC+5, since 1 March 2024 and has no daylight saving. A fixed offset
keeps dates right even on a server whose tz database predates that change (it would say UTC+6).
"""

from __future__ import annotations

import datetime as dt

ALMATY = dt.timezone(dt.timedelta(hours=5), "UTC+5")
