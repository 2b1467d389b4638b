from django.db import migrations

# The database itself refuses a parent that would close a cycle, whatever code path writes it.
REFUSE_CYCLES = """
CREATE OR REPLACE FUNCTION departments_refuse_cycle() RETURNS trigger AS $$
DECLARE
    cursor_id bigint := NEW.parent_id;
    steps integer := 0;
BEGIN
    WHILE cursor_id IS NOT NULL LOOP
        IF cursor_id = NEW.id THEN
            RAISE EXCEPTION 'department % cannot be below itself', NEW.code
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        SELECT parent_id INTO cursor_id FROM departments_department WHERE id = cursor_id;
        steps := steps + 1;
        IF steps > 1000 THEN
            RAISE EXCEPTION 'department tree deeper than 1000 levels' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END LOOP;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER departments_refuse_cycle
    BEFORE INSERT OR UPDATE OF parent_id ON departments_department
    FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL)
    EXECUTE FUNCTION departments_refuse_cycle();
"""

ALLOW_CYCLES = """
DROP TRIGGER IF EXISTS departments_refuse_cycle ON departments_department;
DROP FUNCTION IF EXISTS departments_refuse_cycle();
"""


class Migration(migrations.Migration):
    dependencies = [("departments", "0001_initial")]

    operations = [migrations.RunSQL(REFUSE_CYCLES, ALLOW_CYCLES)]
