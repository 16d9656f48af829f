/**
 * PostgreSQL schema migrations, applied in order at start under an advisory lock;
 * `attrd_schema.version` records how many have run. Append only: never edit a released
 * migration.
 *
 * Every per-app table leads with `access_id`, the distribution column for a sharding
 * extension such as Citus (`create_distributed_table('attributes', 'access_id')`, and
 * the same for `definitions` and `apps`); `settings` and `audit_log` are small and
 * global (reference or coordinator-local tables). See docs/scaling.md.
 *
 * A function that a later migration replaces is written once (below the migrations), with
 * the part that changed chosen by migration, so each migration's text stays as released
 * (src/store/migrations.test.ts pins them).
 */
export const postgresMigrations: readonly string[] = [
  `
  CREATE TABLE apps (
    access_id   bigint  PRIMARY KEY,
    secret_key  text    NOT NULL,
    name        text    NOT NULL,
    region      text    NOT NULL,
    created_at  bigint  NOT NULL,
    rate_limit  integer
  );
  CREATE TABLE definitions (
    access_id    bigint NOT NULL,
    name         text   NOT NULL,
    description  text   NOT NULL,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL,
    device_count bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (access_id, name)
  );
  CREATE TABLE attributes (
    access_id bigint NOT NULL,
    token     text   NOT NULL,
    name      text   NOT NULL,
    value     text   NOT NULL,
    PRIMARY KEY (access_id, token, name)
  );
  CREATE INDEX attributes_by_name ON attributes (access_id, name);
  CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
  );
  CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        bigint NOT NULL,
    actor     text   NOT NULL,
    action    text   NOT NULL,
    access_id bigint,
    detail    text   NOT NULL
  );
  `,
  // A device write batch's first step in one call whose statements PostgreSQL plans once
  // per connection: the apps' advisory locks (shared), then the tokens' (exclusive), in
  // the order given; then the tokens' attributes and the definitions of the names used.
  `
  CREATE FUNCTION attrd_lock_and_read(
    lock_keys text[], lock_shared boolean[],
    ids bigint[], tokens text[], app_ids bigint[], names text[])
  RETURNS TABLE (o_is_value boolean, o_access_id bigint, o_token text, o_name text, o_value text)
  LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM count(*) FROM (
      SELECT CASE WHEN u.shared THEN pg_advisory_xact_lock_shared(hashtextextended(u.k, 0))
                  ELSE pg_advisory_xact_lock(hashtextextended(u.k, 0)) END
      FROM unnest(lock_keys, lock_shared) AS u(k, shared)) AS locks;
    RETURN QUERY
      SELECT true, a.access_id, a.token, a.name, a.value FROM attributes a
        WHERE (a.access_id, a.token) IN (SELECT * FROM unnest(ids, tokens))
      UNION ALL
      SELECT false, d.access_id, NULL::text, d.name, NULL::text FROM definitions d
        WHERE d.access_id = ANY(app_ids) AND d.name = ANY(names);
  END
  $fn$;
  `,
  // A device write batch in one call (one round trip, one statement, so one transaction
  // without BEGIN or COMMIT), whose statements PostgreSQL plans once per connection.
  //
  // attrd_write takes the apps' advisory locks (shared) and the tokens' (exclusive) in the
  // order given; then, for writes whose request authenticated against an app remembered
  // by the node (Store.peekApp), confirms that app's secret, region and rate limit; then
  // applies the writes by rounds (a token's first write in the batch in round 0, its
  // second in round 1, …), each round planned against what the rounds before it left, by
  // the rules of src/domain/apply.ts: undefined names skipped and reported in request
  // order; cmd 1 and 2 set values, refused whole if the token would hold more than
  // max_attributes; cmd 3 removes defined names the token holds; cmd 4 removes all. Its
  // rows: per write, 'o' applied, 'r' refused (o_held, o_would) or 'c' its app changed;
  // 'i' an undefined name of a write (o_name), in request order.
  //
  // attrd_write_end writes a net change: values set, values removed, and the definitions'
  // device counts, whose rows it locks in (access_id, name) order first so that concurrent
  // batches cannot deadlock. attrd_lock_and_read stays for nodes of the previous version
  // during a rolling upgrade.
  `
  CREATE FUNCTION attrd_write_end(
    set_ids bigint[], set_tokens text[], set_names text[], set_values text[],
    rm_ids bigint[], rm_tokens text[], rm_names text[],
    count_ids bigint[], count_names text[], count_deltas bigint[])
  RETURNS void LANGUAGE plpgsql AS $fn$
  BEGIN
    IF cardinality(set_ids) > 0 THEN
      INSERT INTO attributes (access_id, token, name, value)
        SELECT * FROM unnest(set_ids, set_tokens, set_names, set_values)
        ON CONFLICT (access_id, token, name) DO UPDATE SET value = excluded.value;
    END IF;
    IF cardinality(rm_ids) > 0 THEN
      DELETE FROM attributes WHERE (access_id, token, name) IN
        (SELECT * FROM unnest(rm_ids, rm_tokens, rm_names));
    END IF;
    IF cardinality(count_ids) > 0 THEN
      PERFORM count(*) FROM (
        SELECT 1 FROM definitions d
          WHERE (d.access_id, d.name) IN (SELECT * FROM unnest(count_ids, count_names))
          ORDER BY d.access_id, d.name COLLATE "C" FOR NO KEY UPDATE) AS locked;
      UPDATE definitions d SET device_count = d.device_count + u.delta
        FROM unnest(count_ids, count_names, count_deltas) AS u(id, name, delta)
        WHERE d.access_id = u.id AND d.name = u.name;
    END IF;
  END
  $fn$;
  CREATE FUNCTION ${attrdWrite(3)}  `,
  // attrd_write again, with each write's counts taken in one pass over its round's rows:
  // the lateral counts of migration 3 scanned them once per write, so a batch's cost grew
  // with its square (measured alone on 2 cores: 16 writes 0.78 → 0.68 ms, 32 writes
  // 1.46 → 1.09 ms, 64 writes 3.57 → 1.91 ms). Same signature, same answers.
  `
  CREATE OR REPLACE FUNCTION ${attrdWrite(4)}  `,
];

/**
 * The function attrd_write as migrations 3 and 4 create it, from its name on: the same
 * but for how it counts each write's values.
 */
function attrdWrite(migration: 3 | 4): string {
  // how each write's held values and would-be count are found: migration 3 counted them
  // per write with two lateral subqueries; migration 4 groups the round's rows by write once
  const verdicts =
    migration === 3
      ? `      verdicts AS (
        SELECT ws.n, ws.cmd, h.held, h.held + a.added AS would
        FROM writes ws,
             LATERAL (SELECT count(*)::integer AS held FROM cur c WHERE c.n = ws.n) AS h,
             LATERAL (SELECT count(*)::integer AS added FROM items i
                      WHERE i.w = ws.n AND i.defined AND i.old IS NULL) AS a),`
      : `      verdicts AS (
        SELECT u.n, sum(u.held)::integer AS held, sum(u.held + u.added)::integer AS would
        FROM (SELECT ws.n, 0 AS held, 0 AS added FROM writes ws
              UNION ALL
              SELECT c.n, 1, 0 FROM cur c
              UNION ALL
              SELECT i.w, 0, 1 FROM items i WHERE i.defined AND i.old IS NULL) AS u
        GROUP BY u.n),`;
  return `attrd_write(
    lock_keys text[], lock_shared boolean[], max_attributes integer,
    w_app bigint[], w_token text[], w_cmd integer[], w_round integer[],
    w_check boolean[], w_secret text[], w_region text[], w_limit integer[],
    i_write integer[], i_name text[], i_value text[])
  RETURNS TABLE (o_write integer, o_kind "char", o_name text, o_held integer, o_would integer)
  LANGUAGE plpgsql AS $fn$
  DECLARE
    changed integer[];
    r integer;
    v_write integer[]; v_held integer[]; v_would integer[];
    bad_write integer[]; bad_name text[];
    s_app bigint[]; s_token text[]; s_name text[]; s_value text[];
    x_app bigint[]; x_token text[]; x_name text[];
    c_app bigint[] := '{}'; c_name text[] := '{}'; c_delta bigint[] := '{}';
  BEGIN
    PERFORM count(*) FROM (
      SELECT CASE WHEN u.shared THEN pg_advisory_xact_lock_shared(hashtextextended(u.k, 0))
                  ELSE pg_advisory_xact_lock(hashtextextended(u.k, 0)) END
      FROM unnest(lock_keys, lock_shared) AS u(k, shared)) AS locks;

    SELECT coalesce(array_agg(w.n::integer), '{}') INTO changed
      FROM unnest(w_app, w_check, w_secret, w_region, w_limit)
           WITH ORDINALITY AS w(app, checked, secret, region, lim, n)
      LEFT JOIN apps p ON p.access_id = w.app
      WHERE w.checked AND (p.access_id IS NULL OR p.secret_key <> w.secret
                           OR p.region <> w.region OR p.rate_limit IS DISTINCT FROM w.lim);
    IF cardinality(changed) > 0 THEN
      RETURN QUERY SELECT c, 'c'::"char", NULL::text, NULL::integer, NULL::integer
        FROM unnest(changed) AS c;
    END IF;

    -- rounds are numbered from 0 without gaps
    FOR r IN 0 .. cardinality(w_round) - 1 LOOP
      EXIT WHEN NOT r = ANY(w_round);
      WITH writes AS (
        SELECT w.n::integer AS n, w.app, w.token, w.cmd
        FROM unnest(w_app, w_token, w_cmd, w_round) WITH ORDINALITY AS w(app, token, cmd, round, n)
        WHERE w.round = r AND NOT w.n = ANY(changed)),
      -- the tokens' values, by their primary key's prefix
      cur AS (
        SELECT ws.n, a.name, a.value FROM writes ws
        JOIN attributes a ON a.access_id = ws.app AND a.token = ws.token),
      items AS (
        SELECT i.w, i.pos, i.name, i.value, ws.app, ws.token, ws.cmd,
               d.name IS NOT NULL AS defined, c.value AS old
        FROM unnest(i_write, i_name, i_value) WITH ORDINALITY AS i(w, name, value, pos)
        JOIN writes ws ON ws.n = i.w
        LEFT JOIN definitions d ON d.access_id = ws.app AND d.name = i.name
        LEFT JOIN cur c ON c.n = i.w AND c.name = i.name),
${verdicts}
      -- what the round does, one row each: 'v' a write's verdict, 'i' an undefined name,
      -- 's' a value to set, 'x' one to remove (delta: its change to the count)
      actions AS (
        SELECT 'v'::"char" AS k, v.n AS w, 0::bigint AS pos, NULL::bigint AS app,
               NULL::text AS token, NULL::text AS name, NULL::text AS value,
               v.held, v.would, 0::bigint AS delta
          FROM verdicts v
        UNION ALL
        SELECT 'i', i.w, i.pos, NULL, NULL, i.name, NULL, NULL, NULL, 0
          FROM items i WHERE NOT i.defined
        UNION ALL
        SELECT 's', i.w, i.pos, i.app, i.token, i.name, i.value, NULL, NULL,
               CASE WHEN i.old IS NULL THEN 1 ELSE 0 END
          FROM items i JOIN verdicts v ON v.n = i.w
          WHERE i.cmd IN (1, 2) AND i.defined AND i.old IS DISTINCT FROM i.value
            AND v.would <= max_attributes
        UNION ALL
        SELECT 'x', i.w, i.pos, i.app, i.token, i.name, NULL, NULL, NULL, -1
          FROM items i WHERE i.cmd = 3 AND i.defined AND i.old IS NOT NULL
        UNION ALL
        SELECT 'x', ws.n, 0, ws.app, ws.token, c.name, NULL, NULL, NULL, -1
          FROM writes ws JOIN cur c ON c.n = ws.n WHERE ws.cmd = 4)
      SELECT
        array_agg(w) FILTER (WHERE k = 'v'), array_agg(held) FILTER (WHERE k = 'v'),
        array_agg(would) FILTER (WHERE k = 'v'),
        array_agg(w ORDER BY w, pos) FILTER (WHERE k = 'i'),
        array_agg(name ORDER BY w, pos) FILTER (WHERE k = 'i'),
        array_agg(app) FILTER (WHERE k = 's'), array_agg(token) FILTER (WHERE k = 's'),
        array_agg(name) FILTER (WHERE k = 's'), array_agg(value) FILTER (WHERE k = 's'),
        array_agg(app) FILTER (WHERE k = 'x'), array_agg(token) FILTER (WHERE k = 'x'),
        array_agg(name) FILTER (WHERE k = 'x'),
        c_app || coalesce(array_agg(app) FILTER (WHERE delta <> 0), '{}'),
        c_name || coalesce(array_agg(name) FILTER (WHERE delta <> 0), '{}'),
        c_delta || coalesce(array_agg(delta) FILTER (WHERE delta <> 0), '{}')
      FROM actions
      INTO v_write, v_held, v_would, bad_write, bad_name, s_app, s_token, s_name, s_value,
           x_app, x_token, x_name, c_app, c_name, c_delta;

      RETURN QUERY
        SELECT v.n, CASE WHEN v.would > max_attributes AND w_cmd[v.n] IN (1, 2)
                         THEN 'r' ELSE 'o' END::"char", NULL::text, v.held, v.would
          FROM unnest(v_write, v_held, v_would) AS v(n, held, would)
        UNION ALL
        SELECT b.n, 'i'::"char", b.name, NULL::integer, NULL::integer
          FROM unnest(bad_write, bad_name) WITH ORDINALITY AS b(n, name, pos);
      IF s_app IS NOT NULL OR x_app IS NOT NULL THEN
        PERFORM attrd_write_end(
          coalesce(s_app, '{}'), coalesce(s_token, '{}'), coalesce(s_name, '{}'),
          coalesce(s_value, '{}'), coalesce(x_app, '{}'), coalesce(x_token, '{}'),
          coalesce(x_name, '{}'), '{}', '{}', '{}');
      END IF;
    END LOOP;

    -- the count deltas of every round, summed per definition
    IF cardinality(c_app) > 0 THEN
      SELECT array_agg(t.app ORDER BY t.app, t.name COLLATE "C"),
             array_agg(t.name ORDER BY t.app, t.name COLLATE "C"),
             array_agg(t.delta ORDER BY t.app, t.name COLLATE "C")
        INTO c_app, c_name, c_delta
        FROM (SELECT u.app, u.name, sum(u.delta)::bigint AS delta
              FROM unnest(c_app, c_name, c_delta) AS u(app, name, delta)
              GROUP BY u.app, u.name HAVING sum(u.delta) <> 0) AS t;
      IF c_app IS NOT NULL THEN
        PERFORM attrd_write_end('{}', '{}', '{}', '{}', '{}', '{}', '{}', c_app, c_name, c_delta);
      END IF;
    END IF;
  END
  $fn$;
`;
}
