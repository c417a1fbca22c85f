--[[
  The data key a customer's message texts of one period are sealed with, created on first need:
  whoever comes first stores theirs, everyone after reads it. A period whose key retention
  destroyed gets a new one (a late event of that month is readable until the next sweep).

  KEYS[1]   the customer's text keys (hash: period -> key id)
  KEYS[2]   the tenant's keys (hash: key id -> wrapped key)
  ARGV[1]   the period (YYYY-MM)
  ARGV[2]   a fresh key id
  ARGV[3]   the fresh key, wrapped
  ARGV[4]   now (epoch ms): when the key was made, kept beside it as '<period>:made'
  Returns   { key id, wrapped key }
]]
local id = redis.call('HGET', KEYS[1], ARGV[1])
if id then
  local wrapped = redis.call('HGET', KEYS[2], id)
  if wrapped then return { id, wrapped } end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[1] .. ':made', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return { ARGV[2], ARGV[3] }
