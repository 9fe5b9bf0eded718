-- The projection of the directory becomes cadre-projection's (sql/directory_projection.sql), which keeps more
-- facts per unit and cadre for the rank and assessment services. The columns are appended in that file's
-- order, so that the table here is the one its CREATE TABLE gives elsewhere. SQLite adds one column per
-- statement, and a NOT NULL column only with a default.
ALTER TABLE directory_units ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE directory_cadres ADD COLUMN birth_date DATE;
ALTER TABLE directory_cadres ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE directory_cadres ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE directory_cadres ADD COLUMN post_start_date DATE;
ALTER TABLE directory_cadres ADD COLUMN rank_grade TEXT NOT NULL DEFAULT '';
ALTER TABLE directory_cadres ADD COLUMN rank_start_date DATE;

-- Forgetting where the directory's feed was read up to makes the follower read it again from its first
-- event, each carrying the whole record, so the new columns are filled; a feed already pruned answers
-- CURSOR_EXPIRED and the follower relists the directory instead.
DELETE FROM feed_cursors WHERE source = 'directory';
