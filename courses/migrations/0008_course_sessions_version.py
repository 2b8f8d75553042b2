"""``Course.sessions_version``: raised by the database with every insert, update
and delete of the course's sessions, whichever code path (services, bulk
updates, cascades) made it.

The calendar feed's ETag and its per-course cache read this one number per
course instead of aggregating every session (``calendars/feed_version.py``).
On PostgreSQL one trigger per statement kind bumps each touched course once,
locking the course rows in ascending id order; on SQLite a row trigger does it.
"""

from django.db import migrations, models

_POSTGRES_FORWARD = """
CREATE FUNCTION courses_bump_sessions_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM courses_course
     WHERE id IN (SELECT course_id FROM touched_sessions)
     ORDER BY id FOR NO KEY UPDATE;
    UPDATE courses_course SET sessions_version = sessions_version + 1
     WHERE id IN (SELECT course_id FROM touched_sessions);
    RETURN NULL;
END
$$;
CREATE TRIGGER courses_sessions_inserted AFTER INSERT ON courses_coursesession
    REFERENCING NEW TABLE AS touched_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION courses_bump_sessions_version();
CREATE TRIGGER courses_sessions_updated AFTER UPDATE ON courses_coursesession
    REFERENCING NEW TABLE AS touched_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION courses_bump_sessions_version();
CREATE TRIGGER courses_sessions_deleted AFTER DELETE ON courses_coursesession
    REFERENCING OLD TABLE AS touched_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION courses_bump_sessions_version();
"""
_POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS courses_sessions_inserted ON courses_coursesession;
DROP TRIGGER IF EXISTS courses_sessions_updated ON courses_coursesession;
DROP TRIGGER IF EXISTS courses_sessions_deleted ON courses_coursesession;
DROP FUNCTION IF EXISTS courses_bump_sessions_version();
"""
_SQLITE_FORWARD = [
    """CREATE TRIGGER courses_sessions_inserted AFTER INSERT ON courses_coursesession
       BEGIN UPDATE courses_course SET sessions_version = sessions_version + 1
             WHERE id = NEW.course_id; END""",
    """CREATE TRIGGER courses_sessions_updated AFTER UPDATE ON courses_coursesession
       BEGIN UPDATE courses_course SET sessions_version = sessions_version + 1
             WHERE id IN (OLD.course_id, NEW.course_id); END""",
    """CREATE TRIGGER courses_sessions_deleted AFTER DELETE ON courses_coursesession
       BEGIN UPDATE courses_course SET sessions_version = sessions_version + 1
             WHERE id = OLD.course_id; END""",
]
_SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS courses_sessions_inserted",
    "DROP TRIGGER IF EXISTS courses_sessions_updated",
    "DROP TRIGGER IF EXISTS courses_sessions_deleted",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise RuntimeError(f"courses.sessions_version has no triggers for {vendor}")
        statements = statements_by_vendor[vendor]
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0007_catalogue_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="sessions_version",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Raised by the database with every insert, update and delete of "
                "the course's sessions (triggers, migration 0008), so calendar feeds see "
                "that they changed without reading them. Never written by Django (see save).",
            ),
        ),
        migrations.RunPython(
            _run({"postgresql": _POSTGRES_FORWARD, "sqlite": _SQLITE_FORWARD}),
            _run({"postgresql": _POSTGRES_BACKWARD, "sqlite": _SQLITE_BACKWARD}),
        ),
    ]
