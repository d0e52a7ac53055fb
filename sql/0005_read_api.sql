-- The read API's name search (issue 7): a name is found by its beginning, without case and without diacritics,
-- so "ngoc" finds "Ngọc Trinh" and "dang" finds "Đặng Văn Lâm".
--
-- crmhub_fold: contrib unaccent needs CREATE EXTENSION, which the app's database may not allow. NFD splits each
-- accented Latin letter into its base letter and combining marks; translate() drops the marks Vietnamese and the
-- Western European languages use, and turns đ/Đ (which NFD leaves whole) into d; lower() then works on ASCII base
-- letters even under the C locale. Measured on 100,000 names: 3.4 µs a name, a quarter of a translate() over every
-- precomposed letter.
CREATE FUNCTION crmhub_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(translate(normalize(value, NFD), U&'\0111\0110\0300\0301\0302\0303\0306\0308\0309\030A\031B\0323\0327', 'dD'));

-- The search is a range on this index (byte order, so "prefix" ≤ name < "prefix" || U+10FFFF), which a generic plan
-- can use; without it every search computed the fold of each of the org's customers (1.7 s for 100,000 contacts).
-- It costs an insert a few microseconds (bench/export/run.sh and the report of issue 7 have the figures).
CREATE INDEX customers_name_folded ON customers (org_id, kind, crmhub_fold(name) text_pattern_ops);
