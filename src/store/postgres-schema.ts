/**
 * PostgreSQL schema migrations, applied in order at start under an advisory lock;
 * `attrd_schema.version` records how many have run. Append only: never edit a released
 * migration.
 *
 * Every per-app table leads with `access_id`, the distribution column for a sharding
 * extension such as Citus (`create_distributed_table('attributes', 'access_id')`, and
 * the same for `definitions` and `apps`); `settings` and `audit_log` are small and
 * global (reference or coordinator-local tables). See docs/scaling.md.
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
  // A device write batch in two calls whose statements PostgreSQL plans once per
  // connection. attrd_write_begin is attrd_lock_and_read with the apps' secret, region and
  // rate limit read after their locks, so that a write confirms the app its request was
  // authenticated against in the same transaction (Store.peekApp). Its rows: 'v' a token's
  // value, 'd' a definition, 'a' an app (o_token its secret, o_name its region).
  // attrd_write_end writes the batch's net change: values set, values removed, and the
  // definitions' device counts, whose rows it locks in (access_id, name) order first so
  // that concurrent batches cannot deadlock. attrd_lock_and_read stays for nodes of the
  // previous version during a rolling upgrade.
  `
  CREATE FUNCTION attrd_write_begin(
    lock_keys text[], lock_shared boolean[],
    ids bigint[], tokens text[], app_ids bigint[], names text[])
  RETURNS TABLE (o_kind "char", o_access_id bigint, o_token text, o_name text, o_value text,
                 o_rate_limit integer)
  LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM count(*) FROM (
      SELECT CASE WHEN u.shared THEN pg_advisory_xact_lock_shared(hashtextextended(u.k, 0))
                  ELSE pg_advisory_xact_lock(hashtextextended(u.k, 0)) END
      FROM unnest(lock_keys, lock_shared) AS u(k, shared)) AS locks;
    RETURN QUERY
      SELECT 'v'::"char", a.access_id, a.token, a.name, a.value, NULL::integer FROM attributes a
        WHERE (a.access_id, a.token) IN (SELECT * FROM unnest(ids, tokens))
      UNION ALL
      SELECT 'd'::"char", d.access_id, NULL::text, d.name, NULL::text, NULL::integer
        FROM definitions d WHERE d.access_id = ANY(app_ids) AND d.name = ANY(names)
      UNION ALL
      SELECT 'a'::"char", p.access_id, p.secret_key, p.region, NULL::text, p.rate_limit
        FROM apps p WHERE p.access_id = ANY(app_ids);
  END
  $fn$;
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
  `,
];
