-- The read API's name search (issue 7): a name is found by its beginning, without case and without diacritics,
-- so "ngoc" finds "Ngọc Trinh" and "dang" finds "Đặng Văn Lâm".
--
-- crmhub_fold: contrib unaccent needs CREATE EXTENSION, which the app's database may not allow. NFD splits each
-- accented Latin letter into its base letter and combining marks; translate() drops the marks Vietnamese and the
-- Western European languages use, and turns đ/Đ (which NFD leaves whole) into d; lower() then works on ASCII base
-- letters even under the C locale. That is a quarter of the cost of a translate() over every precomposed letter.
--
-- PL/pgSQL, not SQL: an SQL function is inlined into normalize(), translate() and lower(), which are not LEAKPROOF,
-- and row-level security lets only leakproof conditions on a row's columns run before its policy, i.e. become index
-- conditions. Left whole and marked LEAKPROOF, crmhub_fold(name) ~>=~ … is an index range.
CREATE FUNCTION crmhub_fold(value text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
BEGIN
    RETURN lower(translate(normalize(value, NFD), U&'\0111\0110\0300\0301\0302\0303\0306\0308\0309\030A\031B\0323\0327', 'dD'));
END
$$;

-- Only a superuser may mark a function LEAKPROOF. Without that the index could not serve the search, so it would only
-- cost inserts: then neither is made, and a search reads the org's customers of that kind instead (1.7 s for 100,000).
-- With the index a search is a range on it ("prefix" ≤ folded name < "prefix" || U+10FFFF), which generic plans use.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION crmhub_fold(text) LEAKPROOF;
        CREATE INDEX customers_name_folded ON customers (org_id, kind, crmhub_fold(name) text_pattern_ops);
    END IF;
END
$$;
