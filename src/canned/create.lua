-- Creates a canned response if its shortcut is free in the tenant and the tenant has room, in one step.
-- KEYS[1] the tenant's shortcut index (hash: shortcut -> id), KEYS[2] the response's hash
-- ARGV[1] shortcut, ARGV[2] id, ARGV[3] the most a tenant may have, ARGV[4..] the response's fields and values
-- Returns 1 when created, 0 when the shortcut is taken, -1 when the tenant has the most it may have.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
return 1
