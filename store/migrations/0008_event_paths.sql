-- One event row per leg instead of one per step. A leg runs several
-- in-process steps and commits their transitions together, with the same
-- time, attempt and worker; writing them as four rows (and four entries of
-- item_events_item) was a tenth of the meedan workflow's commit. via holds
-- the states passed through between from_state and to_state, separated by
-- spaces ('' for a single transition); Events and EdgeCounts spread a row
-- back into its transitions.
ALTER TABLE item_events ADD COLUMN via TEXT NOT NULL DEFAULT '';
