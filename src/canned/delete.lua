-- Deletes a canned response and frees its shortcut, in one step.
-- KEYS[1] the tenant's shortcut index (hash: shortcut -> id), KEYS[2] the response's hash
-- ARGV[1] id
-- Returns 1 when deleted, 0 when there is no such response.
local current = redis.call('HGET', KEYS[2], 'shortcut')
if not current then return 0 end
if redis.call('HGET', KEYS[1], current) == ARGV[1] then redis.call('HDEL', KEYS[1], current) end
redis.call('DEL', KEYS[2])
return 1
