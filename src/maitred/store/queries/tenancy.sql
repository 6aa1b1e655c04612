-- name: scope
-- For the rest of this transaction: act as maitred_tenant, limited by row-level security
-- to these restaurants (comma-separated ids; see migration 0005).
SELECT set_config('role', 'maitred_tenant', true),
       set_config('maitred.restaurant_ids', %(restaurant_ids)s, true);
