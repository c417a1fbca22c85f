-- Changes a canned response, its shortcut included, in one step (a new shortcut must be free).
-- KEYS[1] the tenant's shortcut index (hash: shortcut -> id), KEYS[2] the response's hash
-- ARGV[1] id, ARGV[2] the new shortcut ('' to keep it), ARGV[3..] the fields to set and their values
-- Returns 1 when changed, 0 when there is no such response, -2 when the new shortcut is another's.
local current = redis.call('HGET', KEYS[2], 'shortcut')
if not current then return 0 end
if ARGV[2] ~= '' and ARGV[2] ~= current then
  if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[1]) == 0 then return -2 end
  redis.call('HDEL', KEYS[1], current)
end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
return 1
