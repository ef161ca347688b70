-- Full-text search over what items say (their raw_text), including
-- Chinese, Japanese and Thai, which are written without spaces between words.
--
-- The unicode61 tokenizer splits at spaces and punctuation only, so a whole
-- run of Han, kana or Thai would be one token and no word inside it could be
-- found; the trigram tokenizer finds substrings but not words of one or two
-- characters, the most common in Chinese and Japanese. So Go segments the
-- text before it is indexed (store.searchBody puts every character of those
-- scripts between spaces, making it a token of its own) and a search for a
-- word becomes the phrase of its characters (store.SearchQuery).
--
-- Contentless: the text lives in items; the index keeps only the tokens,
-- and contentless_delete lets rows be deleted and replaced. The rowid is
-- items.id. Go writes rows in the same transaction as the item; the trigger
-- removes them on every path that deletes items.
--
-- Token characters are letters, numbers and marks (categories L* N* Co M*):
-- by default unicode61 splits at combining marks, so Thai vowel and tone
-- marks and the vowel signs of Hindi and other Indic scripts would cut
-- words apart (and กิน would find กัน). Latin accents still fold.
CREATE VIRTUAL TABLE item_search USING fts5(body, content='', contentless_delete=1,
	tokenize='unicode61 remove_diacritics 2 categories ''L* N* Co M*''');

CREATE TRIGGER item_search_delete AFTER DELETE ON items BEGIN
	DELETE FROM item_search WHERE rowid = OLD.id;
END;

-- The items of databases created before this migration are indexed by a Go
-- step that runs right after it, in the same transaction (store.backfillSearch).
