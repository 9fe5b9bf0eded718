DELETE FROM policy_values WHERE policy_key LIKE 'directory.%';
DROP TABLE accounts;
DROP TABLE cadre_changes;
DROP TABLE cadres;
DROP TABLE org_units;
DROP TABLE unit_kinds;
