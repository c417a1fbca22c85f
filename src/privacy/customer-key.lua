--[[
  The data key a customer's events are sealed with, created on first need: whoever comes first
  stores theirs, everyone after reads it, so one customer has one key however many doors race.

  KEYS[1]   the customer's pointer (string: key id)
  KEYS[2]   the tenant's keys (hash: key id -> wrapped key)
  ARGV[1]   a fresh key id
  ARGV[2]   the fresh key, wrapped
  Returns   { key id, wrapped key }
]]
local id = redis.call('GET', KEYS[1])
if id then
  local wrapped = redis.call('HGET', KEYS[2], id)
  if wrapped then return { id, wrapped } end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return { ARGV[1], ARGV[2] }
