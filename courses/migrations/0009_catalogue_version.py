"""The catalogue's version: one number that PostgreSQL raises when a
transaction that wrote any course commits (``selectors.catalogue_version``).

A search's count and its page of course ids depend on the courses' own
columns only (which courses match and in what order; what is free is read
for the page every time), so a process may keep them under this number
(``selectors.Listing``) and ask the database for nothing but the number.

How it is raised, and why so:

- by a *deferred* constraint trigger on ``courses_course``: it runs at the
  commit, after everything else the transaction did, and its update of the
  version row becomes visible together with the courses' changes. A reader
  that sees the new number therefore sees the new courses (it reads the
  number first, the courses after); a rolled-back transaction raises nothing.
- once per transaction (a transaction-local setting remembers it), whatever
  number of rows it wrote: bulk writes do not update the row thousands of times.
- the version row is the last lock a writing transaction ever takes (at its
  commit it waits for nothing else), so two writers can wait for each other
  there but never deadlock, and the one lock order (``locking.py``) is kept.
  Bookings never write a course row, so a booking rush never waits for it.
- ``TRUNCATE`` (Django's test flush) raises it too, at once.

The table is not a Django model: a flush must not empty it. SQLite has none;
there nothing is kept.
"""

from django.db import migrations

_FORWARD = """
CREATE TABLE courses_catalogue_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO courses_catalogue_version (id, version) VALUES (1, 1);
CREATE FUNCTION courses_raise_catalogue_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kurslotse.catalogue_raised', true) IS DISTINCT FROM 'yes' THEN
        UPDATE courses_catalogue_version SET version = version + 1 WHERE id = 1;
        PERFORM set_config('kurslotse.catalogue_raised', 'yes', true);
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER courses_catalogue_written
    AFTER INSERT OR UPDATE OR DELETE ON courses_course
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION courses_raise_catalogue_version();
CREATE TRIGGER courses_catalogue_truncated
    AFTER TRUNCATE ON courses_course
    FOR EACH STATEMENT EXECUTE FUNCTION courses_raise_catalogue_version();
"""
_BACKWARD = """
DROP TRIGGER IF EXISTS courses_catalogue_written ON courses_course;
DROP TRIGGER IF EXISTS courses_catalogue_truncated ON courses_course;
DROP FUNCTION IF EXISTS courses_raise_catalogue_version();
DROP TABLE IF EXISTS courses_catalogue_version;
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0008_course_sessions_version"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(_FORWARD), _on_postgresql(_BACKWARD)),
    ]
