-- A cell that is exactly a decimal number (a negative amount) is not a formula: left as the API writes it, as
-- platform/csv.ts leaves it (XLSX writes it as is too); any other cell starting as a formula would is still defused.
CREATE OR REPLACE FUNCTION csv_safe(cell text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN left(cell, 1) IN ('=', '+', '-', '@', E'\t', E'\r') AND cell !~ '^-?[0-9]+(\.[0-9]+)?$'
    THEN '''' || cell ELSE cell END
$$;
