-- The raw-SQL floor of case-list.graphql, as a lean server would ask it: the page with its
-- lead agency and commune joined, then the page's subjects and seizures, each by `= ANY` of the
-- page's ids. pgbench cannot carry the ids from one statement to the next, so each of the last
-- two names the page again (a 50-row index scan) as `ARRAY(SELECT …)`: PostgreSQL makes it one
-- array and scans the children's index for all of it at once, as for ids a server sends.
-- (`IN (SELECT …)`, this file's form until stop 28, is joined case by case and ran about a
-- tenth slower: a floor below a lean server's.)
SELECT c.id, c.code, c.title, c.status, c.detected_on, a.code, a.name, m.name
  FROM cases c JOIN agencies a ON a.id = c.lead_agency_id
  LEFT JOIN communes m ON m.id = c.commune_id
 WHERE c.archived_at IS NULL ORDER BY c.detected_on DESC, c.id DESC LIMIT 50;
SELECT case_id, full_name, role FROM subjects
 WHERE archived_at IS NULL AND case_id = ANY(ARRAY(SELECT id FROM cases WHERE archived_at IS NULL ORDER BY detected_on DESC, id DESC LIMIT 50));
SELECT case_id, item, quantity, unit FROM seizures
 WHERE archived_at IS NULL AND case_id = ANY(ARRAY(SELECT id FROM cases WHERE archived_at IS NULL ORDER BY detected_on DESC, id DESC LIMIT 50));
