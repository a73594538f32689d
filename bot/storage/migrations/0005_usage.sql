-- How often each screen was shown, per language and day (Kazakhstan time), for editors. Counts only: no
-- user, no time of day, no order of screens — nothing from which one person's path could be rebuilt.
CREATE TABLE screen_views (
    day      TEXT NOT NULL,     -- YYYY-MM-DD in UTC+5
    language TEXT NOT NULL,
    screen   TEXT NOT NULL,
    views    INTEGER NOT NULL,
    PRIMARY KEY (day, language, screen)
) STRICT, WITHOUT ROWID;
