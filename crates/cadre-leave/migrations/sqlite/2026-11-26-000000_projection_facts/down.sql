-- The directory's cursor stays forgotten: a follower without one reads the feed again, which is harmless.
ALTER TABLE directory_cadres DROP COLUMN rank_start_date;
ALTER TABLE directory_cadres DROP COLUMN rank_grade;
ALTER TABLE directory_cadres DROP COLUMN post_start_date;
ALTER TABLE directory_cadres DROP COLUMN status;
ALTER TABLE directory_cadres DROP COLUMN category;
ALTER TABLE directory_cadres DROP COLUMN birth_date;
ALTER TABLE directory_units DROP COLUMN kind;
