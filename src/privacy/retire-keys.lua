--[[
  Retention: destroys a customer's text keys of these periods, if each period still names the key
  the sweep decided on (a key made again meanwhile for a late event stays), and records each as
  retired so readers say "[expired]" rather than "[erased]".

  KEYS[1]   the customer's text keys (hash: period -> key id, '<period>:made' -> epoch ms)
  KEYS[2]   the tenant's keys (hash: key id -> wrapped key)
  KEYS[3]   the tenant's retired keys (hash: key id -> when)
  ARGV[1]   when (ISO)
  ARGV[2..] period, key id, period, key id, ...
  Returns   how many keys were destroyed
]]
local destroyed = 0
for i = 2, #ARGV, 2 do
  local period, id = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[1], period) == id then
    redis.call('HDEL', KEYS[1], period, period .. ':made')
    destroyed = destroyed + redis.call('HDEL', KEYS[2], id)
    redis.call('HSET', KEYS[3], id, ARGV[1])
  end
end
return destroyed
