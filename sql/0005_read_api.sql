-- The read API's name search (issue 7): names compare without case and without diacritics, so "ngoc" finds
-- "Ngọc Trinh" and "dang" finds "Đặng". contrib unaccent needs CREATE EXTENSION, which the app's database may not
-- allow; translate() over the Latin letters Vietnamese and Western European names use does the same for them.
-- Upper-case letters are in the list too: lower() leaves non-ASCII letters alone under the C locale.
-- IMMUTABLE so that an expression index on it is possible; none is created: the search scans an org's customers
-- in id order with the other filters and stops at the page's limit (bench/export/run.sh measures it), and an
-- index on every customer insert would tax the listener's ingest rate.
CREATE FUNCTION crmhub_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(translate(value,
        'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđäëïöüÿçñåæøœÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐÄËÏÖÜŸÇÑÅÆØŒ',
        'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydaeiouycnaaooaaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydaeiouycnaaoo'));
