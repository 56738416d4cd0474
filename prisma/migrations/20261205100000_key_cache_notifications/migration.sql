-- The service keeps the keys it has verified in its process (src/keys/key-cache.ts) and empties that
-- cache whenever PostgreSQL says something a cached key depends on changed: a notification on the
-- channel pos_bridge_keys, sent when the writing transaction commits (never for one that rolls back).
-- What a cached key holds: its api_keys row (less last_used_at, which every use may write and which
-- the service remembers in memory) and, for a pos:write key, the stores it may write to (locations).
-- A key just made needs no notification: a key not found is never cached.

CREATE FUNCTION notify_key_cache() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pos_bridge_keys', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

-- A key changed in any column but last_used_at (revoked, expired, its scopes or stores), or deleted.
CREATE TRIGGER api_keys_notify_key_cache_update
  AFTER UPDATE ON "api_keys"
  FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
  EXECUTE FUNCTION notify_key_cache();
CREATE TRIGGER api_keys_notify_key_cache_delete
  AFTER DELETE ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION notify_key_cache();
CREATE TRIGGER api_keys_notify_key_cache_truncate
  AFTER TRUNCATE ON "api_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION notify_key_cache();

-- A store added, changed or removed: part of every pos:write key's writable stores.
CREATE TRIGGER locations_notify_key_cache
  AFTER INSERT OR UPDATE OR DELETE ON "locations"
  FOR EACH ROW EXECUTE FUNCTION notify_key_cache();
CREATE TRIGGER locations_notify_key_cache_truncate
  AFTER TRUNCATE ON "locations"
  FOR EACH STATEMENT EXECUTE FUNCTION notify_key_cache();
