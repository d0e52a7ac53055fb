#!/usr/bin/env python3
"""Turns one listener transaction, as crmhub sent it, into a pgbench script that replays it.

    bench/scale/capture.py SERVER_LOG MARKER > script.pgbench
    bench/scale/capture.py --explain SERVER_LOG FIRST_LINE TITLE [delivery] > plans.sql   (see explain())

SERVER_LOG is a PostgreSQL log written with log_statement = 'all'; MARKER a text found in one of the transaction's
parameters (an email the request carried). The transaction of that backend, from its BEGIN to its COMMIT, is
written out statement by statement with every $n replaced by its value as a literal, except:

- the request log ids the first statement draws (`request_log_ids`): pgbench stores them with \\gset and the later
  statements use them, so every replay writes new log rows;
- a customer id the create statement drew and a later statement names (the duplicate path deletes the identities of
  the customer it did not create): stored with \\gset as `new_id` (single-contact transactions only);
- emails and phones of the contacts: "@scale.example.com" addresses get a random number in front of their local part
  and "+847…" phones random digits, per transaction (pgbench's :r and :p), so each replay creates new contacts as
  crmhub's did. Seeded identities ("u<g>@o<k>.example.com", "+849…") are kept: replaying them is a duplicate again.

Run with pgbench -M prepared and plan_cache_mode = force_generic_plan, as crmhub's sessions plan.
"""
import re
import sys

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[(\d+)\] (LOG|DETAIL|ERROR|STATEMENT):  (.*)$")
EXECUTE = re.compile(r"^(?:execute [^:]+|statement): (.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def entries(path, first_line):
    """(pid, kind, text) for each log entry from line first_line on, continuation lines joined."""
    current = None
    with open(path, encoding="utf-8", errors="replace") as log:
        for number, line in enumerate(log, 1):
            if number < first_line:
                continue
            match = ENTRY.match(line.rstrip("\n"))
            if match:
                if current:
                    yield current
                current = [match.group(1), match.group(2), match.group(3)]
            elif current:
                current[2] += "\n" + line.rstrip("\n")
    if current:
        yield current


def transactions_after(path, first_line):
    """Every transaction begun and ended from line first_line on: [(sql, {n: literal})…] each. Statements outside
    BEGIN … COMMIT are a pipeline's implicit transaction (crmhub sends a one-round-trip read without BEGIN: its
    set_config of role and org, then the statement, then Sync): such a run of statements of one backend is one
    transaction, ended by the next set_config, BEGIN or the end of the log."""
    done, by_pid = [], {}
    for pid, kind, text in entries(path, first_line):
        stream = by_pid.setdefault(pid, [])
        if kind == "LOG":
            match = EXECUTE.match(text)
            if not match:
                continue
            sql = match.group(1)
            implicit = bool(stream) and not stream[0][0].startswith("BEGIN")
            if implicit and (sql.startswith("BEGIN") or sql.startswith("SELECT set_config(")):
                done.append(list(stream))
                stream.clear()
            if sql.startswith("BEGIN"):
                stream.clear()
            stream.append([sql, {}])
            if sql.strip() in ("COMMIT", "ROLLBACK"):
                if stream[0][0].startswith("BEGIN"):  # begun inside the window
                    done.append(list(stream))
                stream.clear()
        elif kind == "DETAIL" and text.startswith("parameters:") and stream:
            stream[-1][1] = {int(n): v for n, v in PARAM.findall(text)}
    done += [stream for stream in by_pid.values() if stream and not stream[0][0].startswith("BEGIN")]
    return done


def transaction(path, marker):
    """The statements (sql, {n: literal}) of the committed transaction whose parameters contain marker."""
    matching = [txn for txn in transactions_after(path, 1)
                if txn[-1][0].strip() == "COMMIT" and any(marker in v for _, p in txn for v in p.values())]
    if matching:
        return matching[-1]  # the latest: the log keeps earlier runs' transactions, against listeners since deleted
    sys.exit(f"capture: no committed transaction with {marker!r} in {path}")


LITERAL = re.compile(r"'(?:[^']|'')*'")


def colons(sql):
    """pgbench reads every ":name" as a variable, even inside a string literal (to_char's "HH24:MI:SS", JSON's
    ":101"): such colons become chr(58), which the planner folds back into the constant."""
    def one(match):
        text = match.group(0)
        spliced = re.sub(r":(?=[A-Za-z0-9_])", "' || chr(58) || '", text)
        return f"({spliced})" if spliced != text else text
    return LITERAL.sub(one, sql)


def literal(value):
    """A parameter's literal, with new contacts' emails and phones made unique per transaction."""
    if value == "NULL":
        return "NULL"
    value = colons(value)
    text = value
    text = re.sub(r"([A-Za-z0-9.-]+@scale\.example\.com)", r"@R@-\1", text)
    text = re.sub(r"\+847(\d{3})(\d+)", r"+8@P@\2", text)
    # The seeded contact 1 of org 1 (a duplicate): a random seeded contact g of org 1 instead (its id is g).
    text = text.replace("u1@o1.example.com", "u@G@@o1.example.com").replace("+84900000001", "+849@G8@")
    # One parameter per placeholder kind, however many contacts the literal holds (pgbench allows 255 per statement).
    for token, variable in (("@R@", ":r"), ("@P@", ":p"), ("@G@", ":g"), ("@G8@", "lpad(:g::text, 8, '0')")):
        if token in text:
            text = f"replace({text}, '{token}', {variable}::text)"
    return f"({text})" if text != value else text


def explain(path, first_line, title, delivery):
    """A psql script that runs each transaction again with EXPLAIN (ANALYZE, BUFFERS) of every statement, each
    prepared and planned generically as crmhub's sessions do, and rolls it back. The set_config statements (role,
    org) run as they are. Transactions of the delivery worker (its claim and its backlog gauge) are left out unless
    delivery is set, when only they are kept."""
    print(f"\\echo '=== {title}'")
    print("SET plan_cache_mode = force_generic_plan;")
    # A statement that fails (a replayed insert whose key now exists) is rolled back alone; the others still run.
    print("\\set ON_ERROR_STOP 0")
    print("\\set ON_ERROR_ROLLBACK on")
    count = 0
    for txn in transactions_after(path, first_line):
        is_delivery = any(mark in s for s, _ in txn for mark in ("WITH RECURSIVE walk(org_id, stored", "FROM outbox_turns"))
        if is_delivery != delivery:
            continue
        if delivery and count >= 2:
            break
        print("BEGIN;")
        for sql, params in txn:
            text = sql.strip()
            if text.startswith("BEGIN") or text in ("COMMIT", "ROLLBACK"):
                continue
            values = ", ".join(params[n] for n in sorted(params))
            if text.startswith("SELECT set_config(") and "FROM" not in text:
                out = text
                for n in sorted(params, reverse=True):
                    out = re.sub(r"\$%d(?!\d)" % n, lambda _: params[n], out)
                print(out + " \\g /dev/null")
                continue
            count += 1
            print(f"\\echo '--- statement {count}:'")
            print(f"\\echo {quote_echo(text)}")
            if params:
                print(f"\\echo '    parameters: {values.replace(chr(39), chr(34))[:400]}'")
            print(f"PREPARE s{count} AS {text};")
            print(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE s{count}" + (f"({values})" if params else "") + ";")
            print(f"DEALLOCATE s{count};")
        print("ROLLBACK;")


def quote_echo(text):
    """The statement for psql's \\echo: one line, quoted."""
    flat = " ".join(text.split())
    return "'    " + flat.replace("\\", "\\\\").replace("'", "\\'") + "'"


def main():
    if sys.argv[1] == "--explain":
        # capture.py --explain SERVER_LOG FIRST_LINE TITLE [delivery]
        explain(sys.argv[2], int(sys.argv[3]), sys.argv[4], len(sys.argv) > 5)
        return
    path, marker = sys.argv[1], sys.argv[2]
    statements = transaction(path, marker)
    print(f"-- Replays crmhub's listener transaction captured from the server log ({marker!r}); see bench/scale/capture.py.")
    print("\\set r random(1, 999999999999)")
    print("\\set p random(1000000000, 9999999999)")
    print("\\set g 100 * random(0, (:n - 100) / 100) + random(1, 79)")
    log_ids, new_id = None, None
    for index, (sql, params) in enumerate(statements):
        out = colons(sql)
        for n in sorted(params, reverse=True):
            value = params[n]
            if log_ids and value == log_ids:
                replacement = ":request_log_ids"
            elif value == "'1'" and "VALUES" in sql and "'duplicate'" in params.values() and n == 2:
                replacement = ":g"
            elif new_id and value == "'{%s}'" % new_id:
                replacement = "('{' || :new_id || '}')"
            else:
                replacement = literal(value)
            out = re.sub(r"\$%d(?!\d)" % n, lambda _: replacement, out)
        out = out.replace("\n", " ").rstrip().rstrip(";")
        if "request_log_ids" in sql and log_ids is None:
            print(out + " \\gset")
            # The ids crmhub's run drew: the parameter of a later statement that carries them.
            log_ids = next(p.get(3) for s, p in statements if s.startswith("INSERT INTO listener_requests"))
            continue
        if "nextval('customers_id_seq')" in sql and "RETURNING customer_id" in sql and sql.index("claimed AS") > 0:
            deleted = [p.get(2) for s, p in statements[index + 1:] if s.startswith("DELETE FROM customer_identities")]
            if deleted and deleted[0] and deleted[0].count(",") == 0:
                new_id = deleted[0].strip("'{}")
                print(out.replace("SELECT input.ordinal, input.new_id,", "SELECT input.ordinal, input.new_id AS new_id,", 1) + " \\gset")
                continue
        print(out + ";" if out.upper() not in ("COMMIT",) else "COMMIT;")


if __name__ == "__main__":
    main()
